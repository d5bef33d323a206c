"""The signatures of the web channel (RFC 9421) and the Ed25519 JWKs (``hikkoshi.httpsig``)."""

from datetime import datetime, timedelta, timezone
import json
import os
import stat

import pytest

from hikkoshi import httpsig
from hikkoshi.tests import signing

URL = "https://receiver.example.jp/sapporo-water/applications"
BODY = json.dumps({"applicant": {"name": "札幌 太郎"}}, ensure_ascii=False).encode()
KEY = httpsig.generate_key()
KID = httpsig.key_id_for(KEY.public_key())


def signed(**options):
    return signing.sign_request(
        method="POST", url=URL, body=BODY, idempotency_key="k-1", private_key=KEY, key_id=KID, **options
    )


def verify(headers, *, body=BODY, url=URL, keys=None, **options):
    return signing.verify_request(
        method="POST", url=url, headers=headers, body=body, resolve_key=keys or {KID: KEY.public_key()}, **options
    )


def test_a_signed_request_covers_what_the_design_says():
    headers = signed()
    assert headers["Content-Digest"] == httpsig.content_digest(BODY)
    assert headers["Content-Digest"].startswith("sha-256=:")
    sig_input = headers["Signature-Input"]
    assert sig_input.startswith(
        'hikkoshi=("@method" "@target-uri" "content-type" "content-digest" "idempotency-key");created='
    )
    for part in (f'keyid="{KID}"', 'alg="ed25519"', 'tag="hikkoshi-application"', ";nonce="):
        assert part in sig_input
    verified = verify(headers)
    assert (verified.key_id, verified.covered['"idempotency-key"']) == (KID, "k-1")
    assert verified.covered['"content-digest"'] == headers["Content-Digest"]
    assert len(verified.nonce) >= 16
    # Every signature has its own nonce.
    assert signed()["Signature-Input"] != sig_input


def test_verification_accepts_jwks_and_header_names_in_any_case():
    headers = {name.lower(): value for name, value in signed().items()}
    verify(headers, keys=httpsig.make_jwks([(KEY.public_key(), KID)]))
    verify(headers, keys=[httpsig.public_jwk(KEY.public_key(), KID)])


@pytest.mark.parametrize("change", ["body", "url", "key", "digest", "method", "kid", "tag"])
def test_anything_changed_fails(change):
    headers = signed()
    kwargs = {}
    if change == "body":
        kwargs["body"] = BODY + b" "
    elif change == "url":
        kwargs["url"] = URL.replace("sapporo-water", "hokkaido-gas")
    elif change == "key":
        kwargs["keys"] = {KID: httpsig.generate_key().public_key()}
    elif change == "digest":
        headers["Content-Digest"] = httpsig.content_digest(b"{}")
        kwargs["body"] = b"{}"
    elif change == "method":
        with pytest.raises(httpsig.SignatureError):
            signing.verify_request(
                method="PUT", url=URL, headers=headers, body=BODY, resolve_key={KID: KEY.public_key()}
            )
        return
    elif change == "kid":
        kwargs["keys"] = {"other": KEY.public_key()}
    elif change == "tag":
        headers = signing.sign_response(status=200, body=BODY, private_key=KEY, key_id=KID)
        headers["Idempotency-Key"] = "k-1"
    with pytest.raises(httpsig.SignatureError):
        verify(headers, **kwargs)


def test_missing_signature_or_digest_fails():
    headers = signed()
    for name in ("Signature", "Signature-Input", "Content-Digest"):
        with pytest.raises(httpsig.SignatureError):
            verify({k: v for k, v in headers.items() if k != name})


def test_age_limits():
    now = datetime.now(timezone.utc)
    verify(signed(created=now - timedelta(seconds=290)))
    verify(signed(created=now + timedelta(seconds=50)))
    with pytest.raises(httpsig.SignatureError, match="too old"):
        verify(signed(created=now - timedelta(seconds=301)))
    with pytest.raises(httpsig.SignatureError, match="future"):
        verify(signed(created=now + timedelta(seconds=70)))


def test_key_unavailable_is_passed_on():
    def unavailable(kid):
        raise httpsig.KeyUnavailable("down")

    with pytest.raises(httpsig.KeyUnavailable):
        verify(signed(), keys=unavailable)


def test_receipts_sign_status_type_and_digest():
    body = json.dumps(
        httpsig.receipt_body(
            reference="R-1",
            idempotency_key="k-1",
            content_digest=httpsig.content_digest(BODY),
            received_at=datetime.now(timezone.utc),
        )
    ).encode()
    headers = signing.sign_response(status=201, body=body, private_key=KEY, key_id=KID)
    assert 'tag="hikkoshi-receipt"' in headers["Signature-Input"]
    assert headers["Signature-Input"].startswith('hikkoshi=("@status" "content-type" "content-digest")')
    jwks = [httpsig.public_jwk(KEY.public_key(), KID)]
    verified = signing.verify_response(status=201, headers=headers, body=body, keys=jwks)
    assert verified.key_id == KID and verified.covered['"content-digest"'] == headers["Content-Digest"]
    for status, content in ((200, body), (201, body + b" ")):
        with pytest.raises(httpsig.SignatureError):
            signing.verify_response(status=status, headers=headers, body=content, keys=jwks)
    # An old receipt stays verifiable (it does not expire).
    old = signing.sign_response(
        status=201, body=body, private_key=KEY, key_id=KID, created=datetime.now(timezone.utc) - timedelta(days=400)
    )
    signing.verify_response(status=201, headers=old, body=body, keys=jwks)
    stored = {
        "status": 201,
        "content_type": headers["Content-Type"],
        "content_digest": headers["Content-Digest"],
        "signature": headers["Signature"],
        "signature_input": headers["Signature-Input"],
        "text": body.decode(),
    }
    assert httpsig.verify_stored_receipt(stored, jwks).key_id == KID
    with pytest.raises(httpsig.SignatureError):
        httpsig.verify_stored_receipt({**stored, "text": body.decode() + " "}, jwks)
    with pytest.raises(httpsig.SignatureError):
        httpsig.verify_stored_receipt({}, jwks)


def test_jwks_round_trip_and_refusals():
    jwk = httpsig.public_jwk(KEY.public_key(), KID)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and len(jwk["x"]) == 43
    assert httpsig.jwk_to_public_key(jwk).public_bytes_raw() == KEY.public_key().public_bytes_raw()
    bad = [
        ("not_object", "x"),
        ("kty", {**jwk, "kty": "RSA"}),
        ("kty", {**jwk, "crv": "X25519"}),
        ("x", {**jwk, "x": jwk["x"][:-1]}),
        ("x", {**jwk, "x": "!" * 43}),
        ("kid", {**jwk, "kid": ""}),
        ("kid", {k: v for k, v in jwk.items() if k != "kid"}),
        ("private", {**jwk, "d": jwk["x"]}),
        ("alg", {**jwk, "alg": "RS256"}),
        ("use", {**jwk, "use": "enc"}),
    ]
    for code, value in bad:
        with pytest.raises(httpsig.JWKError) as info:
            httpsig.jwk_to_public_key(value)
        assert info.value.code == code
    assert httpsig.keys_from_jwks({"keys": [{"kty": "RSA"}, jwk]}, strict=False) == {
        KID: httpsig.keys_from_jwks([jwk])[KID]
    }


def test_key_ids_are_derived_from_the_key():
    kid = httpsig.key_id_for(KEY.public_key())
    assert kid.startswith("hikkoshi-") and len(kid) == len("hikkoshi-") + 16
    assert httpsig.key_id_for(KEY.public_key(), prefix="sapporo-water").endswith(kid[-16:])


def test_key_files_are_made_once_with_mode_0600(tmp_path):
    path = tmp_path / "keys" / "org.pem"
    key = httpsig.load_or_create_private_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = httpsig.load_or_create_private_key(path)
    assert again.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    assert [p.name for p in path.parent.iterdir()] == ["org.pem"]  # no temporary file left
    with pytest.raises(FileNotFoundError):
        httpsig.load_or_create_private_key(tmp_path / "absent.pem", create=False)


# --- federation: requests between portals and their answers (;req) ---------------------------------

FED_URL = "https://kansai.example.jp/federation/v1/organisations?postcode=5300001"


def test_a_federation_answer_covers_the_request_it_answers():
    request = signing.sign_federation_request(method="GET", url=FED_URL, private_key=KEY, key_id=KID)
    assert 'tag="hikkoshi-federation"' in request["Signature-Input"] and ";nonce=" in request["Signature-Input"]
    verified = signing.verify_federation_request(
        method="GET", url=FED_URL, headers=request, body=b"", resolve_key={KID: KEY.public_key()}
    )
    assert verified.key_id == KID and verified.nonce
    portal = httpsig.generate_key()
    answer = signing.sign_federation_answer(
        status=200,
        body=b"{}",
        content_type="application/json",
        request_method="GET",
        request_url=FED_URL,
        request_headers=request,
        private_key=portal,
        key_id="p",
    )
    assert '"signature";req;key="hikkoshi"' in answer["Signature-Input"]
    check = dict(
        status=200,
        headers=answer,
        body=b"{}",
        request_method="GET",
        request_url=FED_URL,
        keys={"p": portal.public_key()},
    )
    signing.verify_federation_answer(request_headers=request, **check)
    # The same answer shown for another request (another nonce, so another signature) fails.
    other = signing.sign_federation_request(method="GET", url=FED_URL, private_key=KEY, key_id=KID)
    with pytest.raises(httpsig.SignatureError):
        signing.verify_federation_answer(request_headers=other, **check)
    with pytest.raises(httpsig.SignatureError):
        signing.verify_federation_answer(request_headers=request, **{**check, "status": 404})
    with pytest.raises(httpsig.SignatureError):
        signing.verify_federation_answer(request_headers=request, **{**check, "body": b"[]"})


def test_a_federation_request_with_a_body_covers_its_digest():
    headers = signing.sign_federation_request(method="POST", url=FED_URL, private_key=KEY, key_id=KID, body=b'{"a":1}')
    keys = {KID: KEY.public_key()}
    signing.verify_federation_request(method="POST", url=FED_URL, headers=headers, body=b'{"a":1}', resolve_key=keys)
    with pytest.raises(httpsig.SignatureError):
        signing.verify_federation_request(
            method="POST", url=FED_URL, headers=headers, body=b'{"a":2}', resolve_key=keys
        )
    # An application's signature (another tag) is not a federation request's.
    application = signed()
    with pytest.raises(httpsig.SignatureError):
        signing.verify_federation_request(method="POST", url=URL, headers=application, body=BODY, resolve_key=keys)


def test_nonces_that_cannot_be_recorded_are_refused():
    httpsig.check_nonce("k", "n" * 200)
    for key_id, nonce in (("k", ""), ("k", "n" * 201), ("k" * 201, "n")):
        with pytest.raises(httpsig.SignatureError):
            httpsig.check_nonce(key_id, nonce)
    assert httpsig.replay_window(300, 60) == 420
