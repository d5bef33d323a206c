"""Two portals, each its own process, database and key: sapporo (this test's live server) and
kansai (``hikkoshi serve`` in a child process, with Osaka's shipped directory). Each pins the
other by the thumbprint the other's ``hikkoshi federation keys`` printed, fetches the other's
signed document, and sapporo asks kansai over the signed interface."""

import io
import os
from pathlib import Path
import socket
import subprocess
import sys
import time

from django.core.management import call_command
import httpx
import pytest

from hikkoshi import httpsig
from hikkoshi.federation import client, keys
from hikkoshi.federation.models import Peer

OSAKA = Path(__file__).resolve().parents[2] / "directory" / "data" / "osaka.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kansai(env, *args):
    done = subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def kansai(tmp_path, live_server, settings, transactional_db):
    settings.HIKKOSHI_PORTAL_URL = live_server.url + "/"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HIKKOSHI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev",
        "HIKKOSHI_REGION": "kansai",
        "HIKKOSHI_PORTAL_URL": url + "/",
    }
    env.pop("DATABASE_URL", None)
    _kansai(env, "manage", "migrate", "-v", "0")
    _kansai(env, "directory", "import", str(OSAKA))
    printed = dict(line.split(None, 1) for line in _kansai(env, "federation", "keys").splitlines())
    # kansai's operator pins sapporo with the thumbprint sapporo's operator read out to them.
    added = _kansai(
        env,
        "federation",
        "peer",
        "add",
        "sapporo",
        live_server.url,
        "--thumbprint",
        keys.current_key().thumbprint,
        "--areas",
        "01",
    )
    assert "Document verified" in added
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "hikkoshi.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/.well-known/hikkoshi-portal", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("kansai did not answer:\n" + (tmp_path / "serve.log").read_text()[-3000:])
        yield url, printed["thumbprint"]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_sapporo_asks_kansai_over_the_signed_interface(kansai):
    url, thumbprint = kansai
    out = io.StringIO()
    call_command(
        "federation", "peer", "add", "kansai", url, "--thumbprint", thumbprint, "--areas", "27,28,01", stdout=out
    )
    assert "Document verified" in out.getvalue()
    peer = Peer.objects.get(slug="kansai")
    # kansai claims 25–30; sapporo's operator allowed 27, 28 (and 01, which kansai does not claim).
    assert peer.served_areas == ["27", "28"]
    answer = client.request(peer, "GET", "organisations", params={"postcode": "530-0001"})
    assert answer.status == 200 and answer.headers["hikkoshi-portal"] == "kansai"
    names = {org["name"] for org in answer.json()["organisations"]}
    # From kansai's database: sapporo's own has no organisation at all.
    assert "大阪市北区役所" in names and "関西電力株式会社" in names
    directory = client.request(peer, "GET", "directory")
    assert {org["slug"] for org in directory.json()["organisations"]} >= {"osaka-kita-ward", "osaka-gas"}
    # A request kansai has seen is refused there, signed by kansai, covering that request.
    target = url + "/federation/v1/directory"
    headers = httpsig.sign_federation_request(
        method="GET", url=target, private_key=keys.portal_key(), key_id=keys.current_key().kid
    )
    assert httpx.get(target, headers=headers).status_code == 200
    replay = httpx.get(target, headers=headers)
    assert replay.status_code == 401 and replay.json()["type"].endswith("signature-replayed")
    httpsig.verify_federation_answer(
        status=401,
        headers=dict(replay.headers),
        body=replay.content,
        request_method="GET",
        request_url=target,
        request_headers=headers,
        keys=peer.keys,
    )
