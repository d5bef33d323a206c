"""``hikkoshi serve``: the portal under gunicorn (sync workers), static files by whitenoise."""

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand

from hikkoshi.processes import die_with_parent


def gunicorn_command(*, host: str, port: int, workers: int, app: str = "hikkoshi.wsgi:application",
                     extra: list[str] | None = None) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
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
                            help="default: 2 × cores + 1")

    def handle(self, *args, host, port, workers, **options):
        workers = workers or (2 * (os.cpu_count() or 1) + 1)
        cmd = gunicorn_command(host=host, port=port, workers=workers)
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
