"""Issue 13, item 2: slow clients do not stop the portal or the receiver.

Live processes on 127.0.0.1: ``hikkoshi serve`` with its default worker class (threads per
worker, a timeout on each socket read) and ``hikkoshi receiver``. Each case is bounded in time
and closes every socket it opened. With gunicorn's sync workers (before) every one of these
normal requests timed out.
"""

import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.receiver.testing import ReceiverProcess
from hikkoshi.serving import free_port

SLOW = 32


def _slowloris(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that each sent the start of a request's headers, never the end."""
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(f"GET /?n={i} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        socks.append(s)
    return socks


def _trickle(socks: list[socket.socket]) -> None:
    """One more header line on each (a slowloris keeps its connection just alive)."""
    for s in socks:
        try:
            s.sendall(b"X-a: b\r\n")
        except OSError:
            pass


def _close(socks):
    for s in socks:
        s.close()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """``hikkoshi serve`` on a fresh SQLite database, with its default threads (16 per worker) and
    three workers (the default on a machine with two cores, said here so the test does not depend
    on the machine it runs on)."""
    data = tmp_path_factory.mktemp("portal")
    env = {
        **os.environ,
        "HIKKOSHI_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev",
        "HIKKOSHI_CLIENT_TIMEOUT": "3",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", "manage", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    port = free_port()
    log = open(data / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "hikkoshi.cli", "serve", "--port", str(port), "--workers", "3"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the portal did not answer:\n" + Path(data / "serve.log").read_text()[-3000:])
        yield port
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_the_portal_answers_while_32_slowloris_connections_are_open(portal):
    socks = _slowloris(portal, SLOW)
    try:
        times = []
        for _round in range(6):  # about 6 s, the slow clients kept alive all along
            _trickle(socks)
            started = time.monotonic()
            response = httpx.get(f"http://127.0.0.1:{portal}/", timeout=5)
            times.append(time.monotonic() - started)
            assert response.status_code == 200
            time.sleep(1)
        assert max(times) < 3, times
    finally:
        _close(socks)


@pytest.mark.slow
def test_a_silent_client_loses_its_connection(portal):
    """A client that sent part of its headers and then nothing is cut off after
    ``HIKKOSHI_CLIENT_TIMEOUT`` (3 s here): its thread goes back to the pool."""
    socks = _slowloris(portal, 1)
    try:
        socks[0].settimeout(15)
        started = time.monotonic()
        try:
            data = socks[0].recv(1024)
        except ConnectionResetError:
            data = b""
        assert time.monotonic() - started < 12
        assert b"200 OK" not in data  # closed (perhaps with a 400), never served
    finally:
        _close(socks)


@pytest.mark.slow
def test_the_receiver_answers_while_slow_bodies_are_sent(tmp_path):
    key_file = tmp_path / "portal-keys.json"
    key_file.write_text(json.dumps(httpsig.make_jwks([(Ed25519PrivateKey.generate().public_key(), "k1")])))
    with ReceiverProcess(tmp_path / "r", ["sapporo-water"], portal_key_file=key_file) as receiver:
        socks = []
        try:
            for _ in range(8):  # four times the two that stopped it before
                s = socket.create_connection(("127.0.0.1", receiver.port), timeout=5)
                s.sendall(
                    b"POST /sapporo-water/applications HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":'
                )
                socks.append(s)
            for _round in range(4):
                for s in socks:
                    try:
                        s.sendall(b" ")
                    except OSError:
                        pass
                started = time.monotonic()
                response = httpx.get(receiver.url("/sapporo-water/.well-known/receipt-keys.json"), timeout=5)
                assert response.status_code == 200 and time.monotonic() - started < 3
                time.sleep(1)
        finally:
            _close(socks)
