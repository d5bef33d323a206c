"""The wire format of every kind of signed message stays what peers and receivers verify: one
signing and one verifying function (``sign_message``, ``verify_message``) serve them all.

Ed25519 signatures are deterministic, so a fixed key, time and nonce give fixed headers; these
were made by the per-kind functions before they shared one implementation."""

from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
import pytest

from hikkoshi import httpsig
from hikkoshi.tests import signing

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
AT = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)
URL = "https://kansai.example.jp/federation/v1/moves"

EXPECTED = {
    "application": (
        'hikkoshi=("@method" "@target-uri" "content-type" "content-digest" "idempotency-key")'
        ';created=1775034000;keyid="p";alg="ed25519";nonce="n-1";tag="hikkoshi-application"',
        "hikkoshi=:6zlj++rHlXH5jNJJcIt2tQ6+PKC6x2Nsks8hhRicTVS7tXlJAk/wI346oUyAppDRKQyNKm+lP77aHOjA0aSVDg==:",
    ),
    "receipt": (
        'hikkoshi=("@status" "content-type" "content-digest")'
        ';created=1775034000;keyid="o";alg="ed25519";tag="hikkoshi-receipt"',
        "hikkoshi=:lPFQSeRbYnFrN/UHXfu5JkXanVZq76ire5y3EQFqTF87+/ao2PtJyFqj5kFRztMoI/MRUFZvwopuG8l5GhNqBg==:",
    ),
    "federation_get": (
        'hikkoshi=("@method" "@target-uri")'
        ';created=1775034000;keyid="p";alg="ed25519";nonce="n-2";tag="hikkoshi-federation"',
        "hikkoshi=:a+tn649oJnf1OQwlJ4kfzvAAbPkqKXKS4R0X1DhshJvb0VjEOmNKWtyInyM7HsjVFe1DOqHSorIvVRbBCfQNAw==:",
    ),
    "federation_post": (
        'hikkoshi=("@method" "@target-uri" "content-type" "content-digest")'
        ';created=1775034000;keyid="p";alg="ed25519";nonce="n-3";tag="hikkoshi-federation"',
        "hikkoshi=:194pXZUqxHVGxATn589b3ZGe5IDDWRrfmNhEUxNJWQ8IUncfVe63DAS15hJG18LNQ4MTLUZpIOAMRw2Iqv7cDA==:",
    ),
    "answer": (
        'hikkoshi=("@status" "content-digest" "content-type" "@method";req "@target-uri";req '
        '"signature";req;key="hikkoshi")'
        ';created=1775034000;keyid="q";alg="ed25519";tag="hikkoshi-federation-answer"',
        "hikkoshi=:S8GNgLkEnWekxPmbTRTrdyklfzwKbXKJpAOsi2CkiyGIdcu9ScpWE+sMhw7IWOOTC1lC49AGB6N5/FmtqzAeAw==:",
    ),
    "answer_unsigned": (
        'hikkoshi=("@status" "content-digest" "@method";req "@target-uri";req)'
        ';created=1775034000;keyid="q";alg="ed25519";tag="hikkoshi-federation-answer"',
        "hikkoshi=:MpZrazvRcnF+ltAXULg8iqzUQoevfBmtJw4eWwy4beKCnmtOyRK4HH/SVgR2iSYjpGxyJDATHa1vqK7UgP1xBg==:",
    ),
}


def signed() -> dict[str, dict[str, str]]:
    out = {
        "application": signing.sign_request(
            method="post",
            url=URL,
            body=b'{"a":1}',
            idempotency_key="k-1",
            private_key=KEY,
            key_id="p",
            created=AT,
            nonce="n-1",
        ),
        "receipt": signing.sign_response(status=201, body=b'{"r":1}', private_key=KEY, key_id="o", created=AT),
        "federation_get": signing.sign_federation_request(
            method="get", url=URL, private_key=KEY, key_id="p", created=AT, nonce="n-2"
        ),
        "federation_post": signing.sign_federation_request(
            method="POST", url=URL, private_key=KEY, key_id="p", body=b'{"a":1}', created=AT, nonce="n-3"
        ),
    }
    answer: dict[str, Any] = dict(request_method="GET", request_url=URL, private_key=KEY, key_id="q", created=AT)
    out["answer"] = signing.sign_federation_answer(
        status=200, body=b"{}", content_type="application/json", request_headers=out["federation_get"], **answer
    )
    out["answer_unsigned"] = signing.sign_federation_answer(
        status=401, body=b"", content_type="", request_headers={}, **answer
    )
    return out


def test_every_kind_of_message_is_signed_as_before():
    got = signed()
    assert {kind: (headers["Signature-Input"], headers["Signature"]) for kind, headers in got.items()} == EXPECTED
    assert got["federation_get"].keys() == {"Signature-Input", "Signature"}  # no body: no digest


def test_one_function_signs_and_verifies_any_tag_and_components():
    request = httpsig.Request("PUT", URL, {"Content-Type": "text/plain", "X-Thing": "1"})
    headers = httpsig.sign_message(
        request,
        tag="hikkoshi-test",
        components=("@method", "x-thing", "content-digest"),
        private_key=KEY,
        key_id="t",
        body=b"hello",
        created=AT,
    )
    assert ';nonce="' in headers["Signature-Input"]  # a request always carries a nonce
    check = dict(tag="hikkoshi-test", components=("x-thing",), body=b"hello", keys={"t": KEY.public_key()}, now=AT)
    verified = httpsig.verify_message(httpsig.Request("PUT", URL, headers), **check)
    assert (verified.key_id, verified.created, verified.covered['"x-thing"']) == ("t", AT, "1")
    assert verified.nonce
    for change in (
        {"tag": "hikkoshi-application"},
        {"components": ("x-thing", "@target-uri")},  # not covered
        {"body": b"hello!"},
        {"keys": {"t": Ed25519PrivateKey.generate().public_key()}},
        {"max_age": 60, "now": datetime(2026, 4, 1, 9, 2, tzinfo=timezone.utc)},
    ):
        with pytest.raises(httpsig.SignatureError):
            httpsig.verify_message(httpsig.Request("PUT", URL, headers), **{**check, **change})

    # An answer covering that request (;req) carries no nonce and has no age limit.
    answer = httpsig.sign_message(
        httpsig.Response(204, {}, httpsig.Request("PUT", URL, headers)),
        tag="hikkoshi-test-answer",
        components=("@status", '"x-thing";req'),
        private_key=KEY,
        key_id="t",
        body=None,
        created=AT,
    )
    assert "nonce" not in answer["Signature-Input"]
    verified = httpsig.verify_message(
        httpsig.Response(204, answer, httpsig.Request("PUT", URL, {"x-thing": "1"})),
        tag="hikkoshi-test-answer",
        components=('"x-thing";req',),
        body=b"",
        keys={"t": KEY.public_key()},
    )
    assert (verified.nonce, verified.created) == ("", AT)
    with pytest.raises(httpsig.SignatureError):
        httpsig.verify_message(
            httpsig.Response(204, answer, httpsig.Request("PUT", URL, {"x-thing": "2"})),
            tag="hikkoshi-test-answer",
            components=('"x-thing";req',),
            body=b"",
            keys={"t": KEY.public_key()},
        )
