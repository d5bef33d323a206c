"""Two portals, each its own process, database and key: sapporo (this test's live server) and
kansai (``hikkoshi serve`` in a child process, with Osaka's shipped directory). Each pins the
other by the thumbprint the other's ``hikkoshi federation keys`` printed, fetches the other's
signed document, and sapporo asks kansai over the signed interface and copies its directory."""

import io
import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import CommandError, call_command
import httpx
import pytest

from hikkoshi.directory.api import search_text
from hikkoshi.directory.models import DirectoryRevision, Organisation, PortalCopy
from hikkoshi.federation import client, keys
from hikkoshi.federation.models import Peer
from hikkoshi.tests import signing

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
        f"--thumbprint={keys.current_key().thumbprint}",
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
        yield url, printed["thumbprint"], env, server
    finally:
        if server.poll() is None:  # a test may have stopped it (a peer down)
            os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_sapporo_asks_kansai_over_the_signed_interface(kansai):
    url, thumbprint, _env, _server = kansai
    out = io.StringIO()
    call_command(
        "federation", "peer", "add", "kansai", url, f"--thumbprint={thumbprint}", "--areas", "27,28,01", stdout=out
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
    headers = signing.sign_federation_request(
        method="GET", url=target, private_key=keys.portal_key(), key_id=keys.current_key().kid
    )
    assert httpx.get(target, headers=headers).status_code == 200
    replay = httpx.get(target, headers=headers)
    assert replay.status_code == 401 and replay.json()["type"].endswith("signature-replayed")
    signing.verify_federation_answer(
        status=401,
        headers=dict(replay.headers),
        body=replay.content,
        request_method="GET",
        request_url=target,
        request_headers=headers,
        keys=peer.keys,
    )


KANSAI_ONLY = "大阪市北区役所（関西ポータル版）"  # a name the shipped osaka.json does not have


def _kansai_changes(env, code: str) -> None:
    """Change kansai's directory behind its import's back (as a broken or hostile portal would)."""
    _kansai(
        env,
        "manage",
        "shell",
        "-c",
        "from hikkoshi.directory.models import *\n"
        "from hikkoshi.directory.signals import bump_revision\n" + code + "\nbump_revision()",
    )


def _search(client_, postcode="530-0001"):
    response = client_.get("/api/v1/organisations", {"postcode": postcode}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    return response.json()["organisations"]


def _pull(*ids) -> str:
    out = io.StringIO()
    try:
        call_command("federation", "pull", *ids, stdout=out)
    except CommandError:
        pass  # a refused or failed pull says so in its lines, and exits non-zero
    return out.getvalue()


@pytest.mark.slow
def test_sapporo_copies_kansai_s_directory_and_searches_it_like_its_own(kansai, tmp_path, client):
    url, thumbprint, env, server = kansai
    # kansai keeps its own version of Osaka's directory: one name sapporo's shipped copy lacks.
    mine = json.loads(OSAKA.read_text())
    for org in mine["organisations"]:
        if org["slug"] == "osaka-kita-ward":
            org["name"] = KANSAI_ONLY
    (tmp_path / "kansai-osaka.json").write_text(json.dumps(mine, ensure_ascii=False))
    _kansai(env, "directory", "import", str(tmp_path / "kansai-osaka.json"))
    # sapporo ships its own copy of Osaka's entries (sample data) and answers with them at first.
    call_command("directory", "import", str(OSAKA), stdout=io.StringIO())
    before = _search(client)
    assert {o["origin"]["id"] for o in before} == {"sapporo"} and KANSAI_ONLY not in {o["name"] for o in before}

    # Its operator allows kansai Osaka and Hyogo only (kansai claims 25–30): 関西電力's areas 25–30
    # are cut to 27, 28 here; an area outside 25–30 would refuse the whole copy.
    areas = "27,28"
    call_command(
        "federation", "peer", "add", "kansai", url, f"--thumbprint={thumbprint}", "--areas", areas, stdout=io.StringIO()
    )
    assert "kansai\tcopied\t4 organisation(s)" in _pull("kansai")
    copy = PortalCopy.objects.get(portal="kansai")
    assert copy.etag and copy.areas == areas.split(",")
    found = _search(client)
    # Where kansai serves, its entries win over the shipped ones: every answer is kansai's copy.
    assert {o["origin"]["id"] for o in found} == {"kansai"}
    assert KANSAI_ONLY in {o["name"] for o in found} and "大阪市北区役所" not in {o["name"] for o in found}
    assert {o["id"] for o in found} >= {"kansai:osaka-kita-ward", "kansai:kepco"}
    assert found[0]["origin"]["name"] == "関西" and found[0]["origin"]["copied_at"] == copy.copied_at.isoformat()
    page = client.get("/search/", {"postcode": "530-0001"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    copied = copy.copied_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert KANSAI_ONLY in page and f"連携先ポータル「関西」の情報です（{copied:%Y-%m-%d %H:%M} 時点の写し）" in page
    # What sapporo serves its own partners is its own, never a copy it holds.
    own = json.loads(search_text("530-0001", None, own=True))["organisations"]
    assert {o["origin"]["id"] for o in own} == {"sapporo"} and KANSAI_ONLY not in {o["name"] for o in own}

    # Unchanged: kansai answers 304 to the ETag; nothing is rewritten.
    stamp = DirectoryRevision.objects.get().stamp
    assert "kansai\tunchanged" in _pull("kansai")
    assert DirectoryRevision.objects.get().stamp == stamp
    assert PortalCopy.objects.get().copied_at == copy.copied_at

    # kansai speaks for its own region only: an area it keeps elsewhere (Tokyo) is not published,
    # so the copy is unchanged (a partner that published it anyway is refused whole: see
    # directory/tests/test_portal_copies.py).
    _kansai_changes(
        env, "ServiceArea.objects.create(organisation=Organisation.objects.get(slug='osaka-gas'), area_code='13101')"
    )
    time.sleep(1.1)  # kansai's web process sees its directory's new revision within a second
    assert "kansai\tunchanged" in _pull("kansai")
    assert PortalCopy.objects.get().copied_at == copy.copied_at

    # Bad copies are refused whole; the last good one stays, with its date.
    for change in (
        "Organisation.objects.filter(slug='osaka-gas').update(name='<script>alert(1)</script>大阪ガス')",
        "Contact.objects.create(organisation=Organisation.objects.get(slug='osaka-gas'), kind='web', "
        "value='javascript:alert(1)')",
    ):
        _kansai_changes(env, change)
        time.sleep(1.1)  # kansai's web process sees its directory's new revision within a second
        assert "kansai\trefused\t1 problem(s); the last good copy stays" in _pull("kansai"), change
        assert PortalCopy.objects.get().copied_at == copy.copied_at
        assert KANSAI_ONLY in {o["name"] for o in _search(client)}
        assert not Organisation.objects.filter(name__contains="<script>").exists()
        _kansai(env, "directory", "import", str(tmp_path / "kansai-osaka.json"))  # undone: the next rule
        time.sleep(1.1)
    assert "kansai\tunchanged" in _pull("kansai")  # the same directory as the copy again: its ETag
    assert Peer.objects.get(slug="kansai").failures == 0  # kansai answered every time: it is not down

    # kansai goes down: each pull costs at most the deadline, the third failure starts the
    # cool-off (a database row), and the pages keep showing the last copy with its date.
    os.killpg(server.pid, 15)
    server.wait(timeout=30)
    for failures in (1, 2, 3):
        started = time.monotonic()
        assert "kansai\tfailed\tunreachable" in _pull("kansai")
        assert time.monotonic() - started < settings.HIKKOSHI_FEDERATION["deadline"] + 1
        peer = Peer.objects.get(slug="kansai")
        assert peer.failures == failures and peer.skipped() == (failures == 3)
    assert "kansai\tskipped" in _pull("kansai")
    found = _search(client)
    assert KANSAI_ONLY in {o["name"] for o in found}
    assert {o["origin"]["copied_at"] for o in found} == {copy.copied_at.isoformat()}
    page = client.get("/search/", {"postcode": "530-0001"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert f"連携先ポータル「関西」に現在接続できません。{copied:%Y-%m-%d %H:%M} 時点の写しを表示しています。" in page
    assert KANSAI_ONLY in page
