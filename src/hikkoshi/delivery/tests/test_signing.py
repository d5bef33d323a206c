"""The signatures of the web channel (RFC 9421) and the portal's key."""

from datetime import datetime, timedelta, timezone
import json
import os
import stat

from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
import pytest

from hikkoshi.delivery import signing
from hikkoshi.delivery.views import well_known_keys

URL = "https://receiver.example.jp/sapporo-water/applications"
BODY = json.dumps({"applicant": {"name": "札幌 太郎"}}, ensure_ascii=False).encode()
KEY = signing.generate_key()
KID = signing.key_id_for(KEY.public_key())


def signed(**options):
    return signing.sign_request(method="POST", url=URL, body=BODY, idempotency_key="k-1", private_key=KEY,
                                key_id=KID, **options)


def verify(headers, *, body=BODY, url=URL, keys=None, **options):
    return signing.verify_request(method="POST", url=url, headers=headers, body=body,
                                  resolve_key=keys or {KID: KEY.public_key()}, **options)


def test_a_signed_request_covers_what_the_design_says():
    headers = signed()
    assert headers["Content-Digest"] == signing.content_digest(BODY)
    assert headers["Content-Digest"].startswith("sha-256=:")
    sig_input = headers["Signature-Input"]
    assert sig_input.startswith('hikkoshi=("@method" "@target-uri" "content-type" "content-digest" '
                                '"idempotency-key");created=')
    for part in (f'keyid="{KID}"', 'alg="ed25519"', 'tag="hikkoshi-application"', ";nonce="):
        assert part in sig_input
    verified = verify(headers)
    assert (verified.key_id, verified.idempotency_key) == (KID, "k-1")
    assert verified.content_digest == headers["Content-Digest"]
    assert len(verified.nonce) >= 16
    # Every signature has its own nonce.
    assert signed()["Signature-Input"] != sig_input


def test_verification_accepts_jwks_and_header_names_in_any_case():
    headers = {name.lower(): value for name, value in signed().items()}
    verify(headers, keys=signing.make_jwks([(KEY.public_key(), KID)]))
    verify(headers, keys=[signing.public_jwk(KEY.public_key(), KID)])


@pytest.mark.parametrize("change", ["body", "url", "key", "digest", "method", "kid", "tag"])
def test_anything_changed_fails(change):
    headers = signed()
    kwargs = {}
    if change == "body":
        kwargs["body"] = BODY + b" "
    elif change == "url":
        kwargs["url"] = URL.replace("sapporo-water", "hokkaido-gas")
    elif change == "key":
        kwargs["keys"] = {KID: signing.generate_key().public_key()}
    elif change == "digest":
        headers["Content-Digest"] = signing.content_digest(b"{}")
        kwargs["body"] = b"{}"
    elif change == "method":
        with pytest.raises(signing.SignatureError):
            signing.verify_request(method="PUT", url=URL, headers=headers, body=BODY,
                                   resolve_key={KID: KEY.public_key()})
        return
    elif change == "kid":
        kwargs["keys"] = {"other": KEY.public_key()}
    elif change == "tag":
        headers = signing.sign_response(status=200, body=BODY, private_key=KEY, key_id=KID)
        headers["Idempotency-Key"] = "k-1"
    with pytest.raises(signing.SignatureError):
        verify(headers, **kwargs)


def test_missing_signature_or_digest_fails():
    headers = signed()
    for name in ("Signature", "Signature-Input", "Content-Digest"):
        with pytest.raises(signing.SignatureError):
            verify({k: v for k, v in headers.items() if k != name})


def test_age_limits():
    now = datetime.now(timezone.utc)
    verify(signed(created=now - timedelta(seconds=290)))
    verify(signed(created=now + timedelta(seconds=50)))
    with pytest.raises(signing.SignatureError, match="too old"):
        verify(signed(created=now - timedelta(seconds=301)))
    with pytest.raises(signing.SignatureError, match="future"):
        verify(signed(created=now + timedelta(seconds=70)))


def test_key_unavailable_is_passed_on():
    def unavailable(kid):
        raise signing.KeyUnavailable("down")

    with pytest.raises(signing.KeyUnavailable):
        verify(signed(), keys=unavailable)


def test_receipts_sign_status_type_and_digest():
    body = json.dumps(signing.receipt_body(reference="R-1", idempotency_key="k-1",
                                           content_digest=signing.content_digest(BODY),
                                           received_at=datetime.now(timezone.utc))).encode()
    headers = signing.sign_response(status=201, body=body, private_key=KEY, key_id=KID)
    assert 'tag="hikkoshi-receipt"' in headers["Signature-Input"]
    assert headers["Signature-Input"].startswith('hikkoshi=("@status" "content-type" "content-digest")')
    jwks = [signing.public_jwk(KEY.public_key(), KID)]
    verified = signing.verify_response(status=201, headers=headers, body=body, keys=jwks)
    assert verified.key_id == KID and verified.signature == headers["Signature"]
    for status, content in ((200, body), (201, body + b" ")):
        with pytest.raises(signing.SignatureError):
            signing.verify_response(status=status, headers=headers, body=content, keys=jwks)
    # An old receipt stays verifiable (it does not expire).
    old = signing.sign_response(status=201, body=body, private_key=KEY, key_id=KID,
                                created=datetime.now(timezone.utc) - timedelta(days=400))
    signing.verify_response(status=201, headers=old, body=body, keys=jwks)
    stored = {"status": 201, "content_type": headers["Content-Type"], "content_digest": headers["Content-Digest"],
              "signature": headers["Signature"], "signature_input": headers["Signature-Input"],
              "text": body.decode()}
    assert signing.verify_stored_receipt(stored, jwks).key_id == KID
    with pytest.raises(signing.SignatureError):
        signing.verify_stored_receipt({**stored, "text": body.decode() + " "}, jwks)
    with pytest.raises(signing.SignatureError):
        signing.verify_stored_receipt({}, jwks)


def test_jwks_round_trip_and_refusals():
    jwk = signing.public_jwk(KEY.public_key(), KID)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and len(jwk["x"]) == 43
    assert signing.jwk_to_public_key(jwk).public_bytes_raw() == KEY.public_key().public_bytes_raw()
    bad = [
        ("not_object", "x"), ("kty", {**jwk, "kty": "RSA"}), ("kty", {**jwk, "crv": "X25519"}),
        ("x", {**jwk, "x": jwk["x"][:-1]}), ("x", {**jwk, "x": "!" * 43}), ("kid", {**jwk, "kid": ""}),
        ("kid", {k: v for k, v in jwk.items() if k != "kid"}), ("private", {**jwk, "d": jwk["x"]}),
        ("alg", {**jwk, "alg": "RS256"}), ("use", {**jwk, "use": "enc"}),
    ]
    for code, value in bad:
        with pytest.raises(signing.JWKError) as info:
            signing.jwk_to_public_key(value)
        assert info.value.code == code
    assert signing.keys_from_jwks({"keys": [{"kty": "RSA"}, jwk]}, strict=False) == {
        KID: signing.keys_from_jwks([jwk])[KID]}


def test_key_ids_are_derived_from_the_key():
    kid = signing.key_id_for(KEY.public_key())
    assert kid.startswith("hikkoshi-") and len(kid) == len("hikkoshi-") + 16
    assert signing.key_id_for(KEY.public_key(), prefix="sapporo-water").endswith(kid[-16:])


def test_key_files_are_made_once_with_mode_0600(tmp_path):
    path = tmp_path / "keys" / "org.pem"
    key = signing.load_or_create_private_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = signing.load_or_create_private_key(path)
    assert again.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    assert [p.name for p in path.parent.iterdir()] == ["org.pem"]  # no temporary file left
    with pytest.raises(FileNotFoundError):
        signing.load_or_create_private_key(tmp_path / "absent.pem", create=False)


def test_portal_key_from_settings(settings, tmp_path):
    settings.HIKKOSHI_SIGNING_KEY = ""
    settings.HIKKOSHI_SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")
    settings.HIKKOSHI_SIGNING_KEY_ID = ""
    key = signing.portal_key()
    assert stat.S_IMODE(os.stat(tmp_path / "signing-key.pem").st_mode) == 0o600
    assert signing.portal_key_id() == signing.key_id_for(key.public_key())
    assert signing.jwks() == signing.make_jwks([(key.public_key(), signing.portal_key_id())])

    pem = signing.private_key_to_pem(KEY).decode()
    settings.HIKKOSHI_SIGNING_KEY = pem.replace("\n", "\\n")  # as one line in an environment variable
    settings.HIKKOSHI_SIGNING_KEY_ID = "portal-2026"
    assert signing.portal_key().public_key().public_bytes_raw() == KEY.public_key().public_bytes_raw()
    assert signing.jwks()["keys"][0]["kid"] == "portal-2026"

    settings.HIKKOSHI_SIGNING_KEY = ""
    settings.HIKKOSHI_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    settings.HIKKOSHI_SIGNING_KEY_CREATE = False  # as in production
    with pytest.raises(ImproperlyConfigured):
        signing.portal_key()
    settings.HIKKOSHI_SIGNING_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured):
        signing.portal_key()


def test_well_known_keys_view(settings):
    settings.HIKKOSHI_SIGNING_KEY = signing.private_key_to_pem(KEY).decode()
    settings.HIKKOSHI_SIGNING_KEY_ID = ""
    response = well_known_keys(RequestFactory().get("/.well-known/hikkoshi-keys.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == signing.make_jwks([(KEY.public_key(), KID)])
    assert well_known_keys(RequestFactory().post("/.well-known/hikkoshi-keys.json")).status_code == 405


def test_the_portal_publishes_its_keys_at_the_well_known_address(client, db):
    response = client.get("/.well-known/hikkoshi-keys.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/")
    keys = response.json()["keys"]
    assert keys and keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and "d" not in keys[0]
    assert keys[0]["kid"] == signing.portal_key_id()
