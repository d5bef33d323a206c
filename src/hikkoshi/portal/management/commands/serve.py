"""``hikkoshi serve``: the portal under gunicorn, static files by whitenoise.

Threaded workers (``hikkoshi.serving.worker``): ``--workers`` processes (cores + 1 by
default) of ``--threads`` threads (16), so a slow client holds a thread, not a process, and is cut
off after ``HIKKOSHI_CLIENT_TIMEOUT`` seconds of silence. Bound to 127.0.0.1 unless ``--host``
(or ``HIKKOSHI_HOST``) says otherwise: in production a buffering reverse proxy sits in front.
Each thread keeps its own database connection: workers × threads must stay below the
database's ``max_connections`` (PostgreSQL: 100 by default).
"""

import os
import signal
import subprocess

from django.core.management.base import BaseCommand

from hikkoshi.processes import die_with_parent
from hikkoshi.serving import DEFAULT_THREADS, gunicorn_command


class Command(BaseCommand):
    help = "Serve the portal with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HIKKOSHI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("HIKKOSHI_WEB_WORKERS", "0")) or None,
            help="default: cores + 1",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("HIKKOSHI_WEB_THREADS", str(DEFAULT_THREADS))),
            help=f"threads per worker (default {DEFAULT_THREADS})",
        )

    def handle(self, *args, host, port, workers, threads, **options):
        workers = workers or ((os.cpu_count() or 1) + 1)
        cmd = gunicorn_command(host=host, port=port, workers=workers, threads=threads)
        # gunicorn stops with this process: SIGTERM is passed on (a graceful stop), and the
        # kernel ends it should this process die any other way.
        server = subprocess.Popen(cmd, preexec_fn=die_with_parent)
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: server.send_signal(signal.SIGTERM))
        try:
            code = server.wait()
        except KeyboardInterrupt:  # Ctrl-C reached gunicorn too
            code = server.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
        if code not in (0, -signal.SIGINT, -signal.SIGTERM):
            raise SystemExit(code)
