"""Running a Django project under gunicorn, shared by the portal (``hikkoshi serve``), the
receiver (``hikkoshi receiver``), the benchmarks and the tests; it imports no app.

``gunicorn_command`` is the command line both servers run: threaded workers that cut off a silent
client (``hikkoshi.serving.worker``) and an access log without query strings or postal codes
(``hikkoshi.serving.access_log``). ``free_port`` finds a port to start a server on,
``port_is_free`` says whether a given one is.
"""

import socket
import sys

DEFAULT_THREADS = 16


def gunicorn_command(
    *,
    host: str,
    port: int,
    workers: int,
    app: str = "hikkoshi.wsgi:application",
    threads: int = DEFAULT_THREADS,
    extra: list[str] | None = None,
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "hikkoshi.serving.worker.TimedThreadWorker",
        "--threads",
        str(max(1, threads)),
        # A worker whose main loop is stuck this long is restarted; a kept-alive connection waits
        # 2 s for its next request (gunicorn's default, said here so it is not raised by mistake).
        "--timeout",
        "30",
        "--keep-alive",
        "2",
        "--access-logfile",
        "-",
        # No query strings in the access log: a postal code or an address is personal data.
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        "--logger-class",
        "hikkoshi.serving.access_log.RedactingLogger",
        # gunicorn's control socket is one path per user: two servers on a host (a benchmark's
        # two, or two portals) would take it from each other. We do not use it.
        "--no-control-socket",
        *(extra or []),
    ]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` just now (another process may take it before it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind ``port`` on ``host`` just now, as the servers bind: a port
    whose last connections are still in TIME_WAIT (a server just stopped) is free for them."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False
