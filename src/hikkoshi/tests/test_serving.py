"""Serving under gunicorn (``hikkoshi.serving``): the command line and its access log."""

import socket

from hikkoshi.serving import free_port, gunicorn_command
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
