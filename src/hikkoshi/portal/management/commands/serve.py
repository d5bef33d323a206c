"""``hikkoshi serve``: the portal under gunicorn, static files by whitenoise.

Threaded workers (``hikkoshi.portal.gunicorn_worker``): ``--workers`` processes (cores + 1 by
default) of ``--threads`` threads (16), so a slow client holds a thread, not a process, and is cut
off after ``HIKKOSHI_CLIENT_TIMEOUT`` seconds of silence. Bound to 127.0.0.1 unless ``--host``
(or ``HIKKOSHI_HOST``) says otherwise: in production a buffering reverse proxy sits in front.
Each thread keeps its own database connection: workers × threads must stay below the
database's ``max_connections`` (PostgreSQL: 100 by default).
"""

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand

from hikkoshi.processes import die_with_parent


DEFAULT_THREADS = 16


def gunicorn_command(*, host: str, port: int, workers: int, app: str = "hikkoshi.wsgi:application",
                     threads: int = DEFAULT_THREADS, extra: list[str] | None = None) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "hikkoshi.portal.gunicorn_worker.TimedThreadWorker",
        "--threads", str(max(1, threads)),
        # A worker whose main loop is stuck this long is restarted; a kept-alive connection waits
        # 2 s for its next request (gunicorn's default, said here so it is not raised by mistake).
        "--timeout", "30",
        "--keep-alive", "2",
        "--access-logfile", "-",
        # No query strings in the access log: a postal code or an address is personal data.
        "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        "--logger-class", "hikkoshi.portal.gunicorn_logging.RedactingLogger",
        # gunicorn's control socket is one path per user: two servers on a host (a benchmark's
        # two, or two portals) would take it from each other. We do not use it.
        "--no-control-socket",
        *(extra or []),
    ]


class Command(BaseCommand):
    help = "Serve the portal with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HIKKOSHI_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("HIKKOSHI_WEB_WORKERS", "0")) or None,
                            help="default: cores + 1")
        parser.add_argument("--threads", type=int,
                            default=int(os.environ.get("HIKKOSHI_WEB_THREADS", str(DEFAULT_THREADS))),
                            help=f"threads per worker (default {DEFAULT_THREADS})")

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
