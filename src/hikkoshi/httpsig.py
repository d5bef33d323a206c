"""Signed applications and receipts of the web channel (RFC 9421 HTTP Message Signatures).

The portal signs each application it POSTs with its Ed25519 key; the organisation answers with a
receipt (受付票) signed with its own Ed25519 key. Both use the ``http_message_signatures``
library; this module only chooses what is covered and how keys are named and published.

Every kind of message below is signed by one function, ``sign_message``, and checked by one,
``verify_message``, given its tag and the components it covers (``;req`` ones for an answer that
covers its request): each caller names those of its kind with the constants below
(``APPLICATION_TAG`` and ``REQUEST_COMPONENTS``, …) and, where they depend on the message, with
``federation_components`` (a federation request's: with a body or not) and ``answer_components``
/ ``request_of_answer`` (a federation answer's). Requests carry a nonce and have an age limit
(the caller's ``max_age``); responses neither.

Application (request), tag ``hikkoshi-application``, label ``hikkoshi``::

    covered: "@method" "@target-uri" "content-type" "content-digest" "idempotency-key"
    params:  created, keyid, alg="ed25519", nonce (random, never accepted twice), tag

``Content-Digest`` is the RFC 9530 ``sha-256`` of the body. A receiver refuses a signature made
more than ``max_age`` seconds ago (5 minutes) or more than ``max_future`` seconds ahead (1 minute),
and a nonce it has seen before.

Receipt (response), tag ``hikkoshi-receipt``::

    covered: "@status" "content-type" "content-digest"
    params:  created, keyid, alg="ed25519", tag

and its JSON body names what it acknowledges: ``{"type": "hikkoshi-receipt", "version": 1,
"reference": "…", "idempotency_key": "…", "content_digest": "sha-256=:…:", "received_at": "…",
"organisation": "…"}``, so a receipt cannot be shown for another application.

Answer (request, organisation to portal: 処理状況), tag ``hikkoshi-answer``::

    covered: "@method" "@target-uri" "content-type" "content-digest" "idempotency-key"
    params:  created, keyid, alg="ed25519", nonce, tag

signed with the organisation's receipt key (``sign_message`` / ``verify_message`` with
``ANSWER_TAG`` and ``ANSWER_COMPONENTS``); its body names the application (the idempotency key
of the portal's application and the receipt's reference) and the new status.

Federation request (portal to portal, ``/federation/v1/``), tag ``hikkoshi-federation``::

    covered: "@method" "@target-uri" ("content-type" "content-digest" when there is a body)
    params:  created, keyid, alg="ed25519", nonce, tag

Federation answer (every status, errors included), tag ``hikkoshi-federation-answer``::

    covered: "@status" "content-digest" ("content-type" when sent)
             "@method";req "@target-uri";req "signature";req;key="hikkoshi"
    params:  created, keyid, alg="ed25519", tag

The answer covers the request's signature (RFC 9421 §2.4, ``;req``), so it cannot be shown as
the answer to another request. An answer to a request that carried no signature of ours covers
only the request's method and URL (the client, which always signs, then refuses it).

Keys are published as JWK sets (RFC 7517/8037): ``{"keys": [{"kty": "OKP", "crv": "Ed25519",
"x": …, "kid": …, "alg": "EdDSA", "use": "sig"}]}``. A key id not configured otherwise is derived
from the key: ``<prefix>-`` and the first 16 hex digits of the SHA-256 of the raw public key.

Pure: keys are passed in and no Django settings are read, so the portal's web channel
(``hikkoshi.delivery``) and the receiver (``hikkoshi receiver``) share this module. The portal's own
key, from its settings, is ``hikkoshi.delivery.keys``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
import hashlib
import os
from pathlib import Path
import re
import secrets
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

SigningError = HTTPMessageSignaturesException
"""What ``sign_message`` raises when a component it should cover is not in the message (an
answer that would cover the signature of a request that has none)."""

APPLICATION_TAG = "hikkoshi-application"
RECEIPT_TAG = "hikkoshi-receipt"
LABEL = "hikkoshi"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-type", "content-digest", "idempotency-key")
RESPONSE_COMPONENTS = ("@status", "content-type", "content-digest")
ANSWER_TAG = "hikkoshi-answer"
ANSWER_COMPONENTS = REQUEST_COMPONENTS
ANSWER_TYPE = "hikkoshi-answer"
FEDERATION_TAG = "hikkoshi-federation"
FEDERATION_ANSWER_TAG = "hikkoshi-federation-answer"
FEDERATION_REQUEST_COMPONENTS = ("@method", "@target-uri")
FEDERATION_BODY_COMPONENTS = ("content-type", "content-digest")
FEDERATION_REQUEST_OF_ANSWER = ('"@method";req', '"@target-uri";req')
FEDERATION_SIGNATURE_OF_REQUEST = f'"signature";req;key="{LABEL}"'
JSON = "application/json"
RECEIPT_TYPE = "hikkoshi-receipt"
MAX_AGE = 300  # seconds: an application signed longer ago is refused
MAX_FUTURE = 60  # seconds: how far ahead of the receiver's clock a signature may be

NONCE_MAX_LENGTH = 200  # characters of a nonce or key id a record of seen nonces keeps

_X = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes in base64url without padding

type JWK = dict[str, str]
"""A public key as this module writes it (``public_jwk``)."""

type KeyLookup = Callable[[str], Ed25519PublicKey | None]
"""Finds a public key by key id; ``None`` when there is none by that id."""

type PublicKeys = KeyLookup | Mapping[str, Ed25519PublicKey] | Mapping[str, object] | Sequence[object]
"""The keys to verify with: a look-up, a mapping key id → key, a JWK set (``{"keys": […]}``,
as parsed from JSON) or a list of JWKs."""


# --- errors -----------------------------------------------------------------------------------


class SignatureError(Exception):
    """A signature is missing, malformed, expired, replayed or does not verify.

    The text is short, English and never contains message data."""


class KeyUnavailable(Exception):
    """The keys to verify with could not be had just now (a JWKS URL did not answer): the
    message is neither accepted nor refused, the sender should try again later."""


class JWKError(ValueError):
    """A JWK is not an Ed25519 public key we can use; ``code`` says why (for translated
    messages): ``not_object``, ``kty``, ``x``, ``kid``, ``private``, ``alg``, ``use``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# --- keys ---------------------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def private_key_from_pem(pem: bytes | str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8, as ``openssl genpkey -algorithm ed25519`` makes).

    ``\\n`` written literally (an environment variable on one line) is read as a line break."""
    if isinstance(pem, str):
        pem = pem.replace("\\n", "\n").encode("ascii")
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("Not an Ed25519 private key.")
    return key


def public_key_from_pem(pem: bytes | str) -> Ed25519PublicKey:
    if isinstance(pem, str):
        pem = pem.encode("ascii")
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("Not an Ed25519 public key.")
    return key


def public_key_to_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_id_for(public_key: Ed25519PublicKey, prefix: str = "hikkoshi") -> str:
    """``<prefix>-`` and the first 16 hex digits of the SHA-256 of the raw public key."""
    return f"{prefix}-{hashlib.sha256(_raw(public_key)).hexdigest()[:16]}"


def jwk_thumbprint(public_key: Ed25519PublicKey) -> str:
    """The RFC 7638 thumbprint of the key's JWK (SHA-256, base64url): what operators compare out
    of band. Only the required members, in lexicographic order, without white space."""
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{_b64url(_raw(public_key))}"}}'
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def public_jwk(public_key: Ed25519PublicKey, kid: str) -> JWK:
    """The public key as a JWK (RFC 8037)."""
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(_raw(public_key)), "kid": kid, "alg": "EdDSA", "use": "sig"}


def jwk_to_public_key(jwk: object) -> Ed25519PublicKey:
    """The Ed25519 public key of a JWK; raises ``JWKError`` for anything else.

    A JWK must be ``kty`` OKP, ``crv`` Ed25519, with ``x`` (32 bytes, base64url) and a non-empty
    ``kid``; ``alg`` (EdDSA) and ``use`` (sig) are optional; private material (``d``) is refused.
    ``jwk`` is anything parsed from JSON: what is not an object raises ``JWKError`` too.
    """
    return _parse_jwk(jwk)[1]


def _parse_jwk(jwk: object) -> tuple[str, Ed25519PublicKey]:
    """A JWK's key id and public key (see ``jwk_to_public_key``)."""
    if not isinstance(jwk, Mapping):
        raise JWKError("not_object", "A key must be a JSON object.")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise JWKError("kty", 'Only Ed25519 keys ("kty": "OKP", "crv": "Ed25519") are accepted.')
    if "d" in jwk:
        raise JWKError("private", "This is a private key: give only the public key.")
    x = jwk.get("x")
    if not isinstance(x, str) or not _X.match(x):
        raise JWKError("x", '"x" must be the 32-byte public key in base64url.')
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid.strip():
        raise JWKError("kid", 'A key needs a key id ("kid").')
    if jwk.get("alg", "EdDSA") not in ("EdDSA", "Ed25519"):
        raise JWKError("alg", '"alg" must be EdDSA.')
    if jwk.get("use", "sig") != "sig":
        raise JWKError("use", '"use" must be sig.')
    return kid, Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "="))


def make_jwks(keys: Iterable[tuple[Ed25519PublicKey, str]]) -> dict[str, list[JWK]]:
    """A JWK set of (public key, key id) pairs."""
    return {"keys": [public_jwk(key, kid) for key, kid in keys]}


def keys_from_jwks(
    document: Mapping[str, object] | Sequence[object], *, strict: bool = True
) -> dict[str, Ed25519PublicKey]:
    """Key id → public key from a JWK set (``{"keys": […]}``) or a plain list of JWKs.

    ``document`` is as parsed from JSON: anything but a JWK set or a list (or tuple) of JWKs
    raises ``JWKError``. With ``strict`` a key that is not a usable Ed25519 key raises
    ``JWKError``; otherwise it is skipped (a published set may list keys of other kinds)."""
    items = document.get("keys") if isinstance(document, Mapping) else document
    if not isinstance(items, (list, tuple)):
        raise JWKError("not_object", 'A JWK set is an object with a list "keys".')
    keys = {}
    for jwk in items:
        try:
            kid, key = _parse_jwk(jwk)
        except JWKError:
            if strict:
                raise
            continue
        keys[kid] = key
    return keys


def load_or_create_private_key(path: Path | str, *, create: bool = True) -> Ed25519PrivateKey:
    """The Ed25519 key in a PEM file, made (mode 0600) when absent and ``create`` is true."""
    return private_key_from_pem(
        load_or_create_key_file(path, lambda: private_key_to_pem(generate_key()), create=create)
    )


def load_or_create_key_file(path: Path | str, generate: Callable[[], bytes], *, create: bool = True) -> bytes:
    """The bytes of a key file, made (mode 0600) from ``generate()`` when absent and ``create``
    is true (else ``FileNotFoundError``).

    Safe when several processes start at once: the key is written to a temporary file and linked
    into place, so a reader never sees half a key and only one new key ever wins.
    """
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(generate())
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        os.unlink(tmp)
    return path.read_bytes()


def content_digest(body: bytes) -> str:
    """RFC 9530 ``Content-Digest`` of a body: ``sha-256=:<base64>:``."""
    return ContentDigest.create(body)


# --- messages as the library reads them ---------------------------------------------------------


@dataclass
class Request:
    """A request as the signature library reads it: method, absolute URL, header fields."""

    method: str
    url: str
    headers: dict[str, str]


@dataclass
class Response:
    """A response as the signature library reads it; ``request`` is the request it answers,
    when its signature covers components of that request (``;req``)."""

    status_code: int
    headers: dict[str, str]
    request: Request | None = None


@dataclass(frozen=True)
class Verified:
    """What a verified signature says: its key id, when it was made, its nonce (a request's;
    empty for a response) and the values of the components it covers, by component id
    (``'"content-digest"'`` → ``"sha-256=:…:"``)."""

    key_id: str
    created: datetime
    nonce: str
    covered: Mapping[str, str]


class _Resolver(HTTPSignatureKeyResolver):
    def __init__(
        self,
        *,
        private: tuple[str, Ed25519PrivateKey] | None = None,
        public: KeyLookup | None = None,
    ) -> None:
        self._private = private
        self._public = public

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if self._private is None or self._private[0] != key_id:
            raise KeyError(key_id)
        return self._private[1]

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self._public(key_id) if self._public else None


def _resolver_of(keys: PublicKeys) -> KeyLookup:
    """A key look-up from a callable, a mapping kid → key, or JWKs (a set or a list)."""
    if callable(keys):
        return keys
    if isinstance(keys, Mapping) and "keys" not in keys:
        table = dict(keys)

        def find(key_id: str) -> Ed25519PublicKey | None:
            key = table.get(key_id)
            return key if isinstance(key, Ed25519PublicKey) else None

        return find
    return keys_from_jwks(keys, strict=False).get


def sign_message(
    message: Request | Response,
    *,
    tag: str,
    components: Sequence[str],
    private_key: Ed25519PrivateKey,
    key_id: str,
    body: bytes | None,
    created: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Sign ``message`` with the label ``hikkoshi``, ``tag`` and the ``components`` it covers (in
    that order; ``;req`` ones are of ``message.request``), and return its header fields: those
    it had, with Content-Digest (of ``body``, when covered), Signature-Input and Signature.

    A request carries a nonce (``nonce``, or a new random one); a response none. Every kind of
    signed message of this module is this function with its own tag and components."""
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519, key_resolver=_Resolver(private=(key_id, private_key))
    )
    signer.sign(
        message,
        key_id=key_id,
        created=created or datetime.now(timezone.utc),
        nonce=(nonce or secrets.token_urlsafe(24)) if isinstance(message, Request) else None,
        label=LABEL,
        tag=tag,
        covered_component_ids=tuple(components),
        body=body,
    )
    return dict(message.headers)


def verify_message(
    message: Request | Response,
    *,
    tag: str,
    components: Sequence[str],
    body: bytes,
    keys: PublicKeys,
    max_age: float | None = None,
    max_future: float = MAX_FUTURE,
    now: datetime | None = None,
) -> Verified:
    """Check that ``message`` carries exactly one signature with ``tag`` that covers at least
    ``components``, made by one of ``keys`` (a callable, a dict kid → key, or JWKs), with the
    digest of ``body``; raise ``SignatureError`` otherwise. ``keys`` may raise ``KeyUnavailable``,
    which is passed on.

    A signature made more than ``max_future`` seconds ahead is refused, and one made more than
    ``max_age`` seconds ago (no limit when ``None``). A request's must carry a nonce that can be
    recorded (``check_nonce``); whether it is new is the caller's to check."""
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=_Resolver(public=_resolver_of(keys))
    )
    verifier.max_clock_skew = timedelta(seconds=max_future)
    try:
        results = verifier.verify(message, max_age=None, expect_tag=tag, require_components=components, body=body)
    except InvalidSignature as exc:
        if isinstance(exc.__cause__, KeyUnavailable):
            raise exc.__cause__ from None
        raise SignatureError(_short(exc)) from exc
    except (HTTPMessageSignaturesException, ValueError, TypeError) as exc:
        raise SignatureError(_short(exc)) from exc
    if len(results) != 1:
        raise SignatureError("Expected exactly one signature.")
    result = results[0]
    created = result.parameters.get("created")
    if not isinstance(created, int):  # the library requires and checks it: not expected
        raise SignatureError("The signature has no creation time.")
    made = datetime.fromtimestamp(created, tz=timezone.utc)
    if max_age is not None and (now or datetime.now(timezone.utc)) - made > timedelta(seconds=max_age):
        raise SignatureError("The signature is too old.")
    key_id = str(result.parameters["keyid"])
    nonce = str(result.nonce or "")
    if isinstance(message, Request):
        check_nonce(key_id, nonce)
    return Verified(key_id=key_id, created=made, nonce=nonce, covered=dict(result.covered_components))


def _short(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "The signature does not verify."


def header_fields(headers: Mapping[str, str]) -> dict[str, str]:
    """Header fields by lower-case name, as a message to verify is given them."""
    return {name.lower(): value for name, value in headers.items()}


# --- the receipt --------------------------------------------------------------------------------------


def receipt_body(
    *, reference: str, idempotency_key: str, content_digest: str, received_at: datetime, organisation: str = ""
) -> dict[str, str | int]:
    """The JSON of a receipt, bound to the application it acknowledges."""
    return {
        "type": RECEIPT_TYPE,
        "version": 1,
        "reference": reference,
        "idempotency_key": idempotency_key,
        "content_digest": content_digest,
        "received_at": received_at.isoformat(),
        "organisation": organisation,
    }


def verify_stored_receipt(receipt: Mapping[str, object], keys: PublicKeys) -> Verified:
    """Verify again a receipt as the web channel stored it (``Outcome.receipt``): its exact text,
    status, content type, digest and signature headers. Receipts do not expire."""
    try:
        headers = {
            "Content-Type": _text(receipt, "content_type"),
            "Content-Digest": _text(receipt, "content_digest"),
            "Signature-Input": _text(receipt, "signature_input"),
            "Signature": _text(receipt, "signature"),
        }
        body = _text(receipt, "text").encode("utf-8")
        status = receipt["status"]
        if not isinstance(status, (int, str)):
            raise TypeError("status")
        status = int(status)
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureError("Not a stored receipt.") from exc
    return verify_message(
        Response(status, header_fields(headers)), tag=RECEIPT_TAG, components=RESPONSE_COMPONENTS, body=body, keys=keys
    )


def _text(receipt: Mapping[str, object], name: str) -> str:
    value = receipt[name]
    if not isinstance(value, str):
        raise TypeError(name)
    return value


# --- nonces: what a record of seen nonces may keep ----------------------------------------------------


def check_nonce(key_id: str, nonce: str) -> None:
    """Raise ``SignatureError`` unless the signature's nonce and key id can be recorded.

    A verifier keeps each (key id, nonce) it accepted for ``replay_window`` seconds and refuses
    it when seen again; storing that is the verifier's (the receiver's table, the federation's)."""
    if not nonce:
        raise SignatureError("The signature has no nonce.")
    if len(nonce) > NONCE_MAX_LENGTH or len(key_id) > NONCE_MAX_LENGTH:
        raise SignatureError(f"A nonce (or key id) of more than {NONCE_MAX_LENGTH} characters is not accepted.")


def replay_window(max_age: float = MAX_AGE, max_future: float = MAX_FUTURE) -> float:
    """Seconds a seen nonce must be remembered: while a signature made with it could still pass
    the age check, on either side of the verifier's clock."""
    return max_age + 2 * max_future


# --- federation: requests between portals and their answers -------------------------------------------


def federation_components(body: bytes) -> tuple[str, ...]:
    """What a federation request's signature covers: its method and URL, and its body's type
    and digest when it has one."""
    return FEDERATION_REQUEST_COMPONENTS + (FEDERATION_BODY_COMPONENTS if body else ())


def request_of_answer(method: str, url: str, headers: Mapping[str, str]) -> Request:
    """The request an answer answers, as far as the answer covers it."""
    fields = header_fields(headers)
    kept: dict[str, str] = {name: fields[name] for name in ("signature", "signature-input") if name in fields}
    return Request(method.upper(), url, kept)


def answer_components(*, content_type: bool, request_signature: bool) -> tuple[str, ...]:
    """What an answer's signature covers: its status and digest (and type when it has one), the
    request's method and URL, and the request's signature labelled ``hikkoshi`` (``;req``; an
    answer to a request without one, which only a request not from a peer is, cannot cover
    it: its signer catches ``SigningError`` and signs without)."""
    return (
        "@status",
        "content-digest",
        *(("content-type",) if content_type else ()),
        *FEDERATION_REQUEST_OF_ANSWER,
        *((FEDERATION_SIGNATURE_OF_REQUEST,) if request_signature else ()),
    )
