"""Serving under gunicorn (``hikkoshi.serving``): the command line and its access log."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from hikkoshi.serving import free_port, gunicorn_command, port_is_free
from hikkoshi.serving.access_log import redact_path


def test_postal_codes_are_masked_in_the_access_log():
    assert redact_path("/api/v1/postcodes/060-0042") == "/api/v1/postcodes/*"
    assert redact_path("/api/v1/organisations") == "/api/v1/organisations"


def test_the_access_log_leaves_out_query_strings():
    cmd = gunicorn_command(host="127.0.0.1", port=1, workers=1)
    fmt = cmd[cmd.index("--access-logformat") + 1]
    assert "%(U)s" in fmt and "%(q)s" not in fmt and "%(r)s" not in fmt
    assert "hikkoshi.serving.access_log.RedactingLogger" in cmd


def test_the_command_runs_the_timed_thread_worker_and_its_options():
    cmd = gunicorn_command(
        host="127.0.0.1",
        port=8401,
        workers=2,
        threads=0,
        app="hikkoshi.receiver.wsgi:application",
        extra=["--graceful-timeout", "10"],
    )
    assert cmd[cmd.index("--bind") + 1] == "127.0.0.1:8401" and "hikkoshi.receiver.wsgi:application" in cmd
    assert cmd[cmd.index("--worker-class") + 1] == "hikkoshi.serving.worker.TimedThreadWorker"
    assert cmd[cmd.index("--threads") + 1] == "1" and cmd[-2:] == ["--graceful-timeout", "10"]


def test_a_free_port_can_be_bound():
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", port))


def test_a_worker_whose_threads_are_all_busy_leaves_new_connections_to_the_others(tmp_path):
    """Two workers of two threads, three slow clients: one worker has both threads taken. gunicorn's
    own worker would still accept about half the normal requests and queue them behind the slow
    clients; ours stops accepting while it has no free thread, so every one goes to the other."""
    port = free_port()
    cmd = gunicorn_command(
        host="127.0.0.1", port=port, workers=2, threads=2, app="hikkoshi.tests.hello_wsgi:application"
    )
    env = {**os.environ, "HIKKOSHI_CLIENT_TIMEOUT": "60"}
    with open(tmp_path / "gunicorn.log", "wb") as log:
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    slow: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.2)
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            slow.append(s)
        time.sleep(0.5)  # each is in a thread now, waiting for the rest of its headers
        for _ in range(8):
            response = httpx.get(f"http://127.0.0.1:{port}/", timeout=3)  # raises if queued
            assert response.status_code == 200
    finally:
        for s in slow:
            s.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


_HOST_DEFAULT = """
import sys
import django
django.setup()
from importlib import import_module
module = sys.argv[1]
parser = import_module(module).Command().create_parser("hikkoshi", module.rsplit(".", 1)[1])
print(*[action.default for action in parser._actions if action.dest == "host"])
"""


@pytest.mark.parametrize(
    ("module", "variable", "settings_module"),
    [
        ("hikkoshi.portal.management.commands.serve", "HIKKOSHI_HOST", "hikkoshi.settings.dev"),
        ("hikkoshi.portal.management.commands.demo", "", "hikkoshi.settings.dev"),
        ("hikkoshi.receiver.management.commands.receiver", "HIKKOSHI_RECEIVER_HOST", "hikkoshi.settings.receiver"),
    ],
)
def test_the_servers_listen_on_this_host_only_unless_told_otherwise(module, variable, settings_module, tmp_path):
    """Issue 13 (Medium 2): by default only this host reaches them (the buffering proxy in front)."""

    def default_host(**env: str) -> str:
        environ = {k: v for k, v in os.environ.items() if k not in ("HIKKOSHI_HOST", "HIKKOSHI_RECEIVER_HOST")}
        environ.update(DJANGO_SETTINGS_MODULE=settings_module, HIKKOSHI_DATA_DIR=str(tmp_path), **env)
        done = subprocess.run(
            [sys.executable, "-c", _HOST_DEFAULT, module], env=environ, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    assert default_host() == "127.0.0.1"
    if variable:
        assert default_host(**{variable: "192.0.2.10"}) == "192.0.2.10"


def test_a_port_in_use_is_not_free_and_a_released_one_is():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not port_is_free(port)
    assert port_is_free(port)
