"""The other party of the tests: a portal, an organisation or a peer signing and checking each
kind of message with ``httpsig.sign_message`` / ``verify_message``, its tag and components, as
the callers in the code do (the web channel, the receiver, the federation's client and
middleware). ``test_httpsig_wire`` pins what these sign, byte for byte."""

from collections.abc import Mapping
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hikkoshi import httpsig


def sign_request(
    *,
    method: str,
    url: str,
    body: bytes,
    idempotency_key: str,
    private_key: Ed25519PrivateKey,
    key_id: str,
    content_type: str = httpsig.JSON,
    created: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """An application as the web channel signs it."""
    return httpsig.sign_message(
        httpsig.Request(method.upper(), url, {"Content-Type": content_type, "Idempotency-Key": idempotency_key}),
        tag=httpsig.APPLICATION_TAG,
        components=httpsig.REQUEST_COMPONENTS,
        private_key=private_key,
        key_id=key_id,
        body=body,
        created=created,
        nonce=nonce,
    )


def verify_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: httpsig.PublicKeys,
    max_age: float = httpsig.MAX_AGE,
    max_future: float = httpsig.MAX_FUTURE,
    now: datetime | None = None,
) -> httpsig.Verified:
    """An application checked as the receiver checks it."""
    return httpsig.verify_message(
        httpsig.Request(method.upper(), url, httpsig.header_fields(headers)),
        tag=httpsig.APPLICATION_TAG,
        components=httpsig.REQUEST_COMPONENTS,
        body=body,
        keys=resolve_key,
        max_age=max_age,
        max_future=max_future,
        now=now,
    )


def sign_response(
    *,
    status: int,
    body: bytes,
    private_key: Ed25519PrivateKey,
    key_id: str,
    content_type: str = httpsig.JSON,
    created: datetime | None = None,
) -> dict[str, str]:
    """A receipt as the receiver signs it."""
    return httpsig.sign_message(
        httpsig.Response(status, {"Content-Type": content_type}),
        tag=httpsig.RECEIPT_TAG,
        components=httpsig.RESPONSE_COMPONENTS,
        private_key=private_key,
        key_id=key_id,
        body=body,
        created=created,
    )


def verify_response(
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    keys: httpsig.PublicKeys,
    max_future: float = httpsig.MAX_FUTURE,
) -> httpsig.Verified:
    """A receipt checked as the web channel checks it (no age limit)."""
    return httpsig.verify_message(
        httpsig.Response(int(status), httpsig.header_fields(headers)),
        tag=httpsig.RECEIPT_TAG,
        components=httpsig.RESPONSE_COMPONENTS,
        body=body,
        keys=keys,
        max_future=max_future,
    )


def sign_federation_request(
    *,
    method: str,
    url: str,
    private_key: Ed25519PrivateKey,
    key_id: str,
    body: bytes = b"",
    content_type: str = httpsig.JSON,
    created: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """A request to another portal as the federation's client signs it."""
    return httpsig.sign_message(
        httpsig.Request(method.upper(), url, {"Content-Type": content_type} if body else {}),
        tag=httpsig.FEDERATION_TAG,
        components=httpsig.federation_components(body),
        private_key=private_key,
        key_id=key_id,
        body=body or None,
        created=created,
        nonce=nonce,
    )


def verify_federation_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    resolve_key: httpsig.PublicKeys,
    max_age: float = httpsig.MAX_AGE,
    now: datetime | None = None,
) -> httpsig.Verified:
    """A request from another portal checked as the federation's middleware checks it."""
    return httpsig.verify_message(
        httpsig.Request(method.upper(), url, httpsig.header_fields(headers)),
        tag=httpsig.FEDERATION_TAG,
        components=httpsig.federation_components(body),
        body=body,
        keys=resolve_key,
        max_age=max_age,
        now=now,
    )


def sign_federation_answer(
    *,
    status: int,
    body: bytes,
    content_type: str,
    request_method: str,
    request_url: str,
    request_headers: Mapping[str, str],
    private_key: Ed25519PrivateKey,
    key_id: str,
    created: datetime | None = None,
) -> dict[str, str]:
    """An answer as the federation's middleware signs it (``middleware._answer_signature``):
    covering the request's signature when it has one."""
    answered = httpsig.request_of_answer(request_method, request_url, request_headers)
    when = created or datetime.now(timezone.utc)
    for covers_signature in (True, False):
        try:
            return httpsig.sign_message(
                httpsig.Response(status, {"Content-Type": content_type} if content_type else {}, answered),
                tag=httpsig.FEDERATION_ANSWER_TAG,
                components=httpsig.answer_components(
                    content_type=bool(content_type), request_signature=covers_signature
                ),
                private_key=private_key,
                key_id=key_id,
                body=body,
                created=when,
            )
        except httpsig.SigningError:
            if not covers_signature:
                raise
    raise AssertionError("unreachable")


def verify_federation_answer(
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    request_method: str,
    request_url: str,
    request_headers: Mapping[str, str],
    keys: httpsig.PublicKeys,
) -> httpsig.Verified:
    """An answer checked as the federation's client checks it."""
    fields = httpsig.header_fields(headers)
    if "content-digest" not in fields:
        raise httpsig.SignatureError("The answer has no Content-Digest.")
    return httpsig.verify_message(
        httpsig.Response(int(status), fields, httpsig.request_of_answer(request_method, request_url, request_headers)),
        tag=httpsig.FEDERATION_ANSWER_TAG,
        components=httpsig.answer_components(content_type="content-type" in fields, request_signature=True),
        body=body,
        keys=keys,
    )
