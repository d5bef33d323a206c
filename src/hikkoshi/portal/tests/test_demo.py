import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from hikkoshi.serving import free_port


@pytest.mark.slow
def test_demo_prepares_and_serves_the_portal(tmp_path):
    """``hikkoshi demo`` as a newcomer runs it: a fresh data dir, twice (idempotent), then serving."""
    env = {**os.environ, "HIKKOSHI_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev"}
    env.pop("DATABASE_URL", None)
    env.pop("HIKKOSHI_PORTAL_URL", None)
    cmd = [sys.executable, "-m", "hikkoshi.cli", "demo"]
    keys = set()
    for _ in range(2):
        done = subprocess.run(cmd + ["--prepare-only"], env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        keys.add(re.search(r"authenticator app set up with the key ([A-Z2-7]{32})", done.stdout).group(1))
    assert re.search(r"admin\s+\S+/admin/\s+sign in as admin@example\.jp\s+password \S{12,}", done.stdout)
    assert re.search(r"otpauth://totp/\S+secret=[A-Z2-7]{32}", done.stdout)
    assert re.search(r"recovery codes( \d{8}){3}", done.stdout)
    assert len(keys) == 1  # the authenticator app set up on the first run keeps working
    assert "directory: sapporo" in done.stdout
    # Simulated statistics made by the first run only.
    assert "statistics: simulated rows exist already" in done.stdout

    port = free_port()
    server = subprocess.Popen(
        cmd + ["--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        body = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/search/?postcode=060-0042", timeout=2
                ) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the demo did not answer"
        assert "札幌市中央区役所" in body and "北海道電力" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/portal/portal.css", timeout=5) as r:
            assert r.status == 200
        # The design system's tokens, generated at setup from the npm package, are served too.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/portal/tokens.css", timeout=5) as r:
            assert r.status == 200 and b"--color-primitive-blue-900" in r.read()
        # The demo's own address, not 127.0.0.1:8000, for the partner portals.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/hikkoshi-portal", timeout=5) as r:
            claims = _payload(r.read())
        assert claims["endpoints"]["federation"] == f"http://127.0.0.1:{port}/federation/v1/"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _payload(token: bytes) -> dict:
    import base64
    import json

    body = token.split(b".")[1]
    return json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))


def test_the_demo_gives_its_own_port_as_the_portal_url(monkeypatch, settings, client, db):
    """Not 127.0.0.1:8000 whatever the port: the well-known document, the e-mailed applications
    and the processes the demo starts (through the environment) get the demo's address."""
    from hikkoshi.delivery.channels.email import portal_url as mailed_url
    from hikkoshi.portal.management.commands.demo import portal_url

    monkeypatch.setenv("HIKKOSHI_PORTAL_URL", "")
    assert portal_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert os.environ["HIKKOSHI_PORTAL_URL"] == settings.HIKKOSHI_PORTAL_URL == "http://127.0.0.1:8765/"
    assert mailed_url() == "http://127.0.0.1:8765/"
    claims = _payload(client.get("/.well-known/hikkoshi-portal").content)
    assert claims["endpoints"]["federation"] == "http://127.0.0.1:8765/federation/v1/"
    assert claims["privacy_policy"]["url"] == "http://127.0.0.1:8765/pages/privacy/"
    assert claims["oidc_issuer"] == "http://127.0.0.1:8765/"
    assert "127.0.0.1:8000" not in json.dumps(claims)


def test_the_demo_keeps_a_portal_url_given_in_the_environment(monkeypatch, settings):
    from hikkoshi.portal.management.commands.demo import portal_url

    monkeypatch.setenv("HIKKOSHI_PORTAL_URL", "https://demo.example.jp/")
    assert portal_url("0.0.0.0", 8765) == settings.HIKKOSHI_PORTAL_URL == "https://demo.example.jp/"  # noqa: S104
