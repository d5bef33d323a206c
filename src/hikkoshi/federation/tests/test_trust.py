"""Trust between portals: thumbprints, the signed well-known document, key rollover, areas,
and the ``hikkoshi federation`` command."""

import base64
import hashlib
import io
import json

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from joserfc.jwk import OKPKey
import pytest

from hikkoshi import httpsig
from hikkoshi.federation import client, document, keys, services
from hikkoshi.federation.models import Peer

from .fakes import FakePeer, Reply, claims, jwk, sign_document

A, N, X = httpsig.generate_key(), httpsig.generate_key(), httpsig.generate_key()
JOSE = {"Content-Type": "application/jose"}


def thumbprint(key):
    return httpsig.jwk_thumbprint(key.public_key())


def test_thumbprint_is_rfc_7638_as_joserfc_computes_it():
    # RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    example = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "x"}
    assert httpsig.jwk_thumbprint(httpsig.jwk_to_public_key(example)) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert thumbprint(A) == OKPKey.import_key(jwk(A, "a")).thumbprint()
    assert thumbprint(A) != thumbprint(N)


def test_our_document_is_a_jws_that_verifies_with_our_pinned_key(db):
    token = document.signed_document()
    ours = keys.current_key()
    verified = document.verify_document(token, peer_id=keys.portal_id(), pinned=[ours.thumbprint])
    claims_ = verified.claims
    assert claims_["id"] == "sapporo" and claims_["region"]["areas"] == ["01100"]
    assert claims_["keys"]["current"] == [ours.jwk]
    assert claims_["endpoints"]["federation"].endswith("/federation/v1/")
    assert claims_["privacy_policy"]["url"].endswith("/pages/privacy/")
    assert len(claims_["privacy_policy"]["sha256"]) == 64
    assert claims_["privacy_policy"]["sha256"] != hashlib.sha256(b"").hexdigest()  # the policy's text
    assert 0 < claims_["exp"] - claims_["iat"] <= 24 * 3600
    with pytest.raises(document.DocumentError, match="pinned or trusted"):
        document.verify_document(token, peer_id="sapporo", pinned=[thumbprint(X)])
    with pytest.raises(document.DocumentError, match="another portal"):
        document.verify_document(token, peer_id="kansai", pinned=[ours.thumbprint])


def test_the_well_known_url_serves_it(client, db):
    response = client.get("/.well-known/hikkoshi-portal")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jose"
    verified = document.verify_document(response.content, peer_id="sapporo", pinned=[keys.current_key().thumbprint])
    assert verified.signed_by == keys.current_key().kid


def test_a_next_key_is_published_and_counts_once_signed(settings, db):
    settings.HIKKOSHI_SIGNING_KEY_NEXT = httpsig.private_key_to_pem(N).decode()
    token = document.signed_document()
    verified = document.verify_document(token, peer_id="sapporo", pinned=[keys.current_key().thumbprint])
    assert verified.claims["keys"]["next"] == [jwk(N, httpsig.key_id_for(N.public_key()))]
    assert {k["x"] for k in verified.keys} == {keys.current_key().jwk["x"], jwk(N, "n")["x"]}


@pytest.mark.parametrize(
    "case",
    ["expired", "too_long", "future", "tampered", "alg_none", "not_jws"],
)
def test_bad_documents_are_refused(case):
    now = None
    body = claims("kansai", current=[jwk(A, "a")])
    if case == "expired":
        body["exp"] = body["iat"] - 1
    elif case == "too_long":
        body["exp"] = body["iat"] + 25 * 3600
    elif case == "future":
        body["iat"] += 3600
        body["exp"] = body["iat"] + 60
    token = sign_document(body, A, "a").decode()
    if case == "tampered":
        head, _payload, sig = token.split(".")
        other = sign_document({**body, "name": "偽"}, A, "a").decode().split(".")[1]
        token = f"{head}.{other}.{sig}"
    elif case == "alg_none":
        head = base64.urlsafe_b64encode(b'{"alg":"none","kid":"a"}').rstrip(b"=").decode()
        token = head + "." + token.split(".")[1] + "."
    elif case == "not_jws":
        token = json.dumps(body)
    with pytest.raises(document.DocumentError):
        document.verify_document(token, peer_id="kansai", pinned=[thumbprint(A)], now=now)


@pytest.fixture
def kansai(db):
    with FakePeer() as fake:
        peer = services.add_peer("kansai", fake.url, thumbprints=[thumbprint(A)], areas=["27100", "26", "13"], name="")
        yield fake, peer


def _serve(fake, token):
    fake.replies[document.WELL_KNOWN_PATH] = Reply(200, JOSE, token)


def test_key_rollover_only_when_a_pinned_key_signed_it(kansai):
    fake, peer = kansai
    # 1. The pinned key A signs a document that announces the next key N: N counts now.
    _serve(fake, sign_document(claims("kansai", current=[jwk(A, "a")], next=[jwk(N, "n")]), A, "a"))
    client.refresh_document(peer)
    assert {k["kid"] for k in peer.keys} == {"a", "n"}
    # 2. The peer switched to N: its document signed by N alone is accepted (N is trusted).
    _serve(fake, sign_document(claims("kansai", current=[jwk(N, "n")]), N, "n"))
    client.refresh_document(peer)
    assert [k["kid"] for k in peer.keys] == ["n"]
    assert Peer.objects.get(slug="kansai").keys == peer.keys


def test_a_new_key_not_signed_by_a_pinned_key_does_not_count(kansai):
    fake, peer = kansai
    # A document signed by X listing X (and even the pinned key A): X was never signed by A.
    _serve(fake, sign_document(claims("kansai", current=[jwk(X, "x"), jwk(A, "a")]), X, "x"))
    with pytest.raises(client.BadAnswer, match="pinned or trusted"):
        client.refresh_document(peer)
    # The same with X claiming A's key id: the signature does not verify with A.
    _serve(fake, sign_document(claims("kansai", current=[jwk(A, "a")]), X, "a"))
    with pytest.raises(client.BadAnswer, match="does not verify"):
        client.refresh_document(peer)
    peer.refresh_from_db()
    assert peer.keys == [] and peer.failures == 2


def test_areas_outside_the_allowed_ones_are_ignored(kansai):
    fake, peer = kansai
    # Allowed: Osaka city (27100), Kyoto (26), Tokyo (13). Claimed: all of Kansai and Hokkaido.
    _serve(fake, sign_document(claims("kansai", current=[jwk(A, "a")], areas=["25", "26", "27", "01"]), A, "a"))
    client.refresh_document(peer)
    assert peer.served_areas == ["26", "27100"]
    assert services.intersect_areas(["01100"], ["01"]) == ["01100"]
    assert services.intersect_areas(["01101"], ["01100"]) == ["01101"]  # a ward of the designated city
    assert services.intersect_areas(["27"], []) == []


def test_the_cool_off_is_shared_through_the_database(kansai, settings):
    fake, peer = kansai
    settings.HIKKOSHI_FEDERATION = {**settings.HIKKOSHI_FEDERATION, "cool_off": 120}
    fake.replies[document.WELL_KNOWN_PATH] = Reply(503)
    for _ in range(3):
        with pytest.raises(client.PeerUnreachable):
            client.refresh_document(peer)
    other_process = Peer.objects.get(slug="kansai")  # another process reads the row
    assert other_process.skipped() and other_process.failures == 3
    hits = len(fake.hits)
    with pytest.raises(client.PeerSkipped):
        client.request(other_process, "GET", "directory")
    assert len(fake.hits) == hits  # not called


def test_a_trickling_peer_costs_the_deadline_not_more(kansai):
    fake, peer = kansai
    fake.replies[document.WELL_KNOWN_PATH] = Reply(200, JOSE, b"x" * 100, trickle=0.1)
    import time

    start = time.monotonic()
    with pytest.raises(client.DeadlineExceeded):
        client.refresh_document(peer, deadline=1.0)
    assert time.monotonic() - start < 1.8


def test_an_oversized_document_is_not_read(kansai):
    fake, peer = kansai
    fake.replies[document.WELL_KNOWN_PATH] = Reply(200, JOSE, b"x" * (65 * 1024))
    with pytest.raises(client.AnswerTooLarge):
        client.refresh_document(peer)


# --- the command ------------------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("federation", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_keys_prints_id_and_thumbprint(db):
    out, _ = run("keys")
    assert "sapporo" in out and keys.current_key().thumbprint in out


def test_peer_add_list_remove(kansai):
    fake, _ = kansai
    _serve(fake, sign_document(claims("osaka", current=[jwk(N, "n")], areas=["27"]), N, "n"))
    out, err = run("peer", "add", "osaka", fake.url + "/", f"--thumbprint={thumbprint(N)}", "--areas", "27,26")
    assert "Pinned osaka" in out and "Document verified" in out and err == ""
    osaka = Peer.objects.get(slug="osaka")
    assert osaka.base_url == fake.url and osaka.served_areas == ["27"] and osaka.name == "関西テストポータル"
    out, _ = run("peer", "list")
    assert "osaka" in out and "served=27" in out and thumbprint(N) in out
    with pytest.raises(CommandError, match="exists already"):
        run("peer", "add", "osaka", fake.url, f"--thumbprint={thumbprint(N)}")
    with pytest.raises(CommandError, match="thumbprint"):
        run("peer", "add", "kobe", fake.url, "--thumbprint=short")
    with pytest.raises(CommandError, match="code"):
        run("peer", "add", "kobe", fake.url, f"--thumbprint={thumbprint(N)}", "--areas", "2x")
    # Django's own messages (a field's errors) in the command's language, not the portal's.
    with translation.override("ja"), pytest.raises(CommandError, match=r"^base_url: Enter a valid URL\.$"):
        run("peer", "add", "kobe", "https://", f"--thumbprint={thumbprint(N)}")
    out, _ = run("peer", "remove", "osaka")
    assert "Removed osaka" in out and not Peer.objects.filter(slug="osaka").exists()
    with pytest.raises(CommandError, match="No peer"):
        run("peer", "remove", "osaka")


def test_peer_add_keeps_a_peer_whose_document_cannot_be_had(db):
    _, err = run("peer", "add", "nara", "http://127.0.0.1:9", f"--thumbprint={thumbprint(A)}", "--areas", "29")
    assert "could not be had now" in err and Peer.objects.filter(slug="nara").exists()


def test_peer_add_with_a_wrong_thumbprint_pins_nothing(kansai):
    """A pin that does not match the key signing the document can never be put right by
    refreshing: the command fails and nothing is pinned, so adding it again with the right
    thumbprint works at once."""
    fake, _ = kansai
    _serve(fake, sign_document(claims("osaka", current=[jwk(N, "n")], areas=["27"]), N, "n"))
    with pytest.raises(CommandError, match="nothing pinned"):
        run("peer", "add", "osaka", fake.url, f"--thumbprint={thumbprint(A)}", "--areas", "27")
    assert not Peer.objects.filter(slug="osaka").exists()
    out, err = run("peer", "add", "osaka", fake.url, f"--thumbprint={thumbprint(N)}", "--areas", "27")
    assert "Document verified" in out and err == ""


def test_peer_add_warns_when_another_id_has_the_same_key(kansai):
    _fake, peer = kansai
    _, err = run("peer", "add", "kobe", "http://127.0.0.1:9", f"--thumbprint={peer.thumbprints[0]}", "--areas", "28")
    assert f"{peer.slug} is pinned to the same key" in err


def test_the_admin_shows_peers_and_changes_nothing(kansai, admin_client):
    _, peer = kansai
    listing = admin_client.get("/admin/federation/peer/")
    assert listing.status_code == 200 and "kansai" in listing.content.decode()
    assert admin_client.get(f"/admin/federation/peer/{peer.pk}/change/").status_code == 200
    assert admin_client.get("/admin/federation/peer/add/").status_code == 403
