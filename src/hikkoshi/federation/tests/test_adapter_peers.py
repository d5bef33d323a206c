"""Peers reached through an adapter (引越れんらく帳's CP932 CSV) as peers: added without a
thumbprint and with an encrypted credential, their directory pulled through the adapter into the
same copy and checks as any peer's, the last good copy kept when a pull goes wrong — against the
fake portal on 127.0.0.1."""

import io
import json

from django.core.management import CommandError, call_command
from django.db import connection
import pytest

from hikkoshi.directory.models import Organisation, PortalCopy
from hikkoshi.federation import pull, services
from hikkoshi.federation.fakes.renrakucho import RenrakuchoFake
from hikkoshi.federation.models import Peer

TWENTY_MB = 20 * 1024 * 1024


@pytest.fixture
def kanto():
    with RenrakuchoFake() as fake:
        yield fake


@pytest.fixture
def quick(settings):
    settings.HIKKOSHI_FEDERATION = {**settings.HIKKOSHI_FEDERATION, "deadline": 5.0, "max_bytes": 1024 * 1024}


def _add(kanto, tmp_path, *extra, credential=None):
    secret = tmp_path / "kanto.key"
    secret.write_text((credential or kanto.api_key) + "\n")
    out = io.StringIO()
    call_command(
        "federation",
        "peer",
        "add",
        "kanto",
        kanto.url,
        "--adapter",
        "renrakucho",
        "--areas",
        "13,14",
        "--credential-file",
        str(secret),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _search(client, postcode):
    answer = client.get("/api/v1/organisations", {"postcode": postcode}, HTTP_ACCEPT_LANGUAGE="ja")
    assert answer.status_code == 200
    return answer.json()["organisations"]


def test_an_adapter_peer_is_added_without_a_thumbprint_and_its_credential_is_stored_encrypted(db, kanto, tmp_path):
    out = _add(kanto, tmp_path)
    assert "cannot sign" in out and "renrakucho" in out
    peer = Peer.objects.get(slug="kanto")
    assert (peer.adapter, peer.thumbprints, peer.credential) == ("renrakucho", [], kanto.api_key)
    assert peer.served_areas == ["13", "14"]  # no signed region: where the operator allowed it
    with connection.cursor() as cursor:
        cursor.execute("SELECT credential FROM federation_peer WHERE slug = 'kanto'")
        (stored,) = cursor.fetchone()
    assert kanto.api_key not in stored and stored.startswith("hk2:")  # bound to its row


def test_the_credential_comes_from_the_environment_never_from_an_argument(db, kanto, monkeypatch):
    with pytest.raises(CommandError, match="credential"):  # no file, no variable, no terminal
        call_command("federation", "peer", "add", "kanto", kanto.url, "--adapter", "renrakucho", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("federation", "peer", "add", "kanto", kanto.url, "--adapter", "renrakucho", "--credential", "x")
    monkeypatch.setenv("HIKKOSHI_PEER_CREDENTIAL", kanto.api_key)
    call_command("federation", "peer", "add", "kanto", kanto.url, "--adapter", "renrakucho", stdout=io.StringIO())
    assert Peer.objects.get().credential == kanto.api_key


def test_an_adapter_peer_takes_no_thumbprint_and_a_signing_peer_needs_one(db, kanto, tmp_path):
    with pytest.raises(CommandError, match="cannot sign"):
        _add(kanto, tmp_path, f"--thumbprint={'A' * 43}")
    with pytest.raises(services.PeerError, match="no adapter 'nope'"):
        services.add_peer("x", kanto.url, thumbprints=[], areas=[], adapter="nope", credential="k")
    with pytest.raises(CommandError, match="thumbprint"):
        call_command("federation", "peer", "add", "kansai", "http://127.0.0.1:9", stdout=io.StringIO())
    assert not Peer.objects.exists()


def test_set_areas_changes_where_a_peer_counts_and_list_names_the_zone(db, kanto, tmp_path, quick):
    _add(kanto, tmp_path)
    out = io.StringIO()
    call_command("federation", "peer", "set-areas", "kanto", "13", stdout=out)
    assert "allowed 13; serves 13" in out.getvalue()
    assert Peer.objects.get().served_areas == ["13"]
    with pytest.raises(CommandError, match="not a prefecture"):
        call_command("federation", "peer", "set-areas", "kanto", "13,abc", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no peer"):
        call_command("federation", "peer", "set-areas", "nowhere", "13", stdout=io.StringIO())
    # Its electricity company serves 13 and 14: outside what is allowed now, the copy is refused.
    assert pull.pull(["kanto"])[0].outcome == "refused"
    call_command("federation", "peer", "set-areas", "kanto", "14,13", stdout=io.StringIO())
    assert Peer.objects.get().served_areas == ["13", "14"]
    assert pull.pull(["kanto"])[0].outcome == "copied"
    out = io.StringIO()
    call_command("federation", "peer", "list", stdout=out)
    assert "verified=unsigned" in out.getvalue()
    assert " JST\t" in out.getvalue()  # the copy's time, in the zone the pages use, named


def test_a_renrakucho_directory_is_pulled_into_the_same_copy_and_found_by_search(db, kanto, tmp_path, quick, client):
    _add(kanto, tmp_path)
    (result,) = pull.pull(["kanto"])
    assert (result.outcome, result.organisations) == ("copied", 3)
    copy = PortalCopy.objects.get(portal="kanto")
    assert copy.etag == "Tue, 01 Dec 2026 00:00:00 GMT"  # its Last-Modified, sent back next time
    found = {org["id"]: org for org in _search(client, "102-0074")}
    assert "kanto:kanto-k13101-kuyakusho" in found
    entry = found["kanto:kanto-k13101-kuyakusho"]
    assert entry["origin"]["id"] == "kanto" and entry["origin"]["copied_at"]
    assert entry["name_kana"] == "チヨダクヤクショ レンラクチョウマドグチ"  # half-width kana read as full-width
    # Unchanged since its Last-Modified: a 304, nothing rewritten.
    assert pull.pull(["kanto"])[0].outcome == "unchanged"
    assert kanto.received[-1].headers["if-modified-since"] == copy.etag
    assert kanto.received[-1].headers["x-renrakucho-api-key"] == kanto.api_key


@pytest.mark.parametrize(
    ("switch", "outcome", "reason"),
    [
        ("markup", "refused", ""),
        ("javascript_link", "refused", ""),
        ("outside_area", "refused", ""),
        ("bad_bytes", "failed", "bad_answer"),
        ("huge", "failed", "too_large"),
    ],
)
def test_a_bad_pull_keeps_the_last_good_copy(db, kanto, tmp_path, quick, client, switch, outcome, reason):
    _add(kanto, tmp_path)
    assert pull.pull(["kanto"])[0].outcome == "copied"
    before = PortalCopy.objects.get(portal="kanto").copied_at
    names = sorted(Organisation.objects.filter(portal="kanto").values_list("name", flat=True))
    kanto.last_modified = kanto.last_modified.replace(day=2)  # a new directory
    setattr(kanto.switches, switch, TWENTY_MB if switch == "huge" else True)
    (result,) = pull.pull(["kanto"])
    assert (result.outcome, result.reason) == (outcome, reason)
    assert PortalCopy.objects.get(portal="kanto").copied_at == before
    assert sorted(Organisation.objects.filter(portal="kanto").values_list("name", flat=True)) == names
    assert "<script>" not in json.dumps(_search(client, "102-0074"), ensure_ascii=False)
    peer = Peer.objects.get()
    assert peer.failures == (1 if outcome == "failed" else 0)
    assert peer.last_error


def test_an_adapter_peer_down_cools_off_after_three_failures(db, kanto, tmp_path, quick):
    _add(kanto, tmp_path)
    kanto.switches.status = 503
    for _ in range(3):
        assert pull.pull(["kanto"])[0].outcome == "failed"
    asked = len(kanto.received)
    assert pull.pull(["kanto"])[0].outcome == "skipped"
    assert len(kanto.received) == asked
