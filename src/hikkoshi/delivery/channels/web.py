"""Web 連携: the application as signed JSON, POSTed to the organisation's endpoint.

The request is signed with the portal's key (RFC 9421, see ``hikkoshi.httpsig``) and
carries the delivery's ``Idempotency-Key``, the same on every attempt, so an organisation that
honours it never takes an application twice. The organisation answers with a receipt signed with
its own key; the receipt is verified against the keys the directory holds for it
(``Organisation.receipt_keys``) and must name this idempotency key and this body's digest.

How answers are judged:

- no ``endpoint`` in the procedure's channel settings, no receipt keys: ``not_configured`` (final)
- no connection (``connect_error``, ``connect_timeout``), no answer in time (``timeout``), a
  broken exchange (``transport_error``): retryable
- 429, 408 and 5xx: retryable (``http_<n>``), with the organisation's ``Retry-After``
- 401 ``signature_refused``, 403 ``forbidden``, any other non-2xx ``http_<n>``: final
- 2xx with a receipt whose signature does not verify, or that names another application:
  ``bad_receipt_signature``; a verified receipt that is not a receipt: ``bad_receipt`` (final)

Only the delivery id, the code and the HTTP status are logged, never the application.
"""

from collections.abc import Mapping, Sequence
import json
import logging
import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from hikkoshi import httpsig
from hikkoshi.channels import Channel, Setting, StandIns
from hikkoshi.web import retry_after_seconds

from ..keys import portal_key, portal_key_id
from .base import DeliveryError, JSONObject, Outcome, Outgoing

if TYPE_CHECKING:  # imported where it sends: the portal's pages read this channel's declarations
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    import httpx

    from ..notices import NoticeOutgoing

logger = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 256 * 1024  # a receipt is small; more than this is not a receipt
USER_AGENT = "hikkoshi-delivery/1"

RECEIPT_MAX_FUTURE = 24 * 3600  # seconds a receipt's signature may seem to come from the future

_client_lock = threading.Lock()
# (the process id, its client): one connection pool per process.
_client_state: "tuple[int, httpx.Client] | None" = None


def _client() -> "httpx.Client":
    """One connection pool per process (made again after a fork)."""
    import httpx

    global _client_state
    pid = os.getpid()
    with _client_lock:
        if _client_state is None or _client_state[0] != pid:
            _client_state = (pid, httpx.Client(follow_redirects=False, headers={"User-Agent": USER_AGENT}))
        return _client_state[1]


def _read(response: "httpx.Response") -> bytes:
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > MAX_ANSWER_BYTES:
            raise DeliveryError("bad_receipt", f"answer longer than {MAX_ANSWER_BYTES} bytes", retryable=False)
    return bytes(data)


LOOPBACK = ("127.0.0.1", "::1", "localhost")


class WebChannel(Channel):
    name = "web"
    label = _("Web (system integration)")
    document_label = pgettext_lazy("document", "Web")
    settings_schema = (
        Setting(
            "endpoint",
            _("The organisation's URL that receives the signed applications (https://…)."),
            validators=(URLValidator(schemes=["http", "https"]),),
        ),
    )

    def stand_in_settings(self, *, procedure: str, organisation: str, stand_ins: StandIns) -> JSONObject:
        return {"endpoint": stand_ins.receiver_url(f"/{organisation}/applications")}

    def deploy_checks(self, procedures: Sequence[tuple[str, Mapping[str, Any]]]) -> list[checks.CheckMessage]:
        """Applications carry personal data: an ``http://`` endpoint on another host sends them
        in clear text (the signature proves who sent them, it does not hide them)."""
        plain = sorted(
            slug
            for slug, channel_settings in procedures
            if urlsplit(str((channel_settings or {}).get("endpoint") or "")).scheme == "http"
            and urlsplit(str(channel_settings.get("endpoint"))).hostname not in LOOPBACK
        )
        if not plain:
            return []
        return [
            checks.Warning(
                f"Web-channel endpoints over plain http:// (no TLS): {', '.join(plain[:20])}"
                + (f" and {len(plain) - 20} more" if len(plain) > 20 else ""),
                hint="Ask the organisations for https:// endpoints and change the procedures' channel settings.",
                id="hikkoshi.delivery.W002",
            )
        ]

    def send(self, outgoing: Outgoing) -> Outcome:
        try:
            return self._send(outgoing)
        except DeliveryError as exc:
            logger.info(
                "web_not_received delivery=%s channel=web attempt=%d code=%s",
                outgoing.delivery_id,
                outgoing.attempt,
                exc.code,
            )
            raise

    def send_notice(self, outgoing: "NoticeOutgoing") -> Outcome:
        """A withdrawal or correction: the same signed POST to the same endpoint, its body a
        ``hikkoshi.withdrawal/1`` or ``hikkoshi.correction/1`` naming the application (its
        reference and idempotency key), with its own Idempotency-Key. A 409 signed by the
        organisation is its answer that it processed the application already
        (``already_processed``, final); an unsigned one is an ``http_409``."""
        try:
            return self._send(outgoing, notice=True)
        except DeliveryError as exc:
            logger.info(
                "web_notice_not_received delivery=%s channel=web attempt=%d code=%s",
                outgoing.delivery_id,
                outgoing.attempt,
                exc.code,
            )
            raise

    def _send(self, outgoing: Outgoing, *, notice: bool = False) -> Outcome:
        import httpx

        endpoint = (outgoing.settings or {}).get("endpoint") or ""
        if not endpoint:
            raise DeliveryError("not_configured", "the procedure has no endpoint", retryable=False)
        try:
            url = httpx.URL(endpoint)
        except (httpx.InvalidURL, TypeError) as exc:
            raise DeliveryError("not_configured", "the endpoint is not a URL", retryable=False) from exc
        if url.scheme not in ("http", "https") or not url.host:
            raise DeliveryError("not_configured", "the endpoint is not an http(s) URL", retryable=False)
        if not outgoing.receipt_keys:
            raise DeliveryError(
                "not_configured", "the directory has no receipt keys for the organisation", retryable=False
            )
        try:
            receipt_keys = httpsig.keys_from_jwks(list(outgoing.receipt_keys))
        except httpsig.JWKError as exc:
            raise DeliveryError(
                "not_configured", f"a receipt key in the directory is unusable ({exc.code})", retryable=False
            ) from exc

        body = json.dumps(outgoing.application, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = httpsig.sign_message(
            httpsig.Request(
                "POST", str(url), {"Content-Type": httpsig.JSON, "Idempotency-Key": outgoing.idempotency_key}
            ),
            tag=httpsig.APPLICATION_TAG,
            components=httpsig.REQUEST_COMPONENTS,
            private_key=portal_key(),
            key_id=portal_key_id(),
            body=body,
        )
        headers["Accept"] = "application/json"
        config = settings.HIKKOSHI_DELIVERY
        timeout = httpx.Timeout(config["timeout"], connect=config["connect_timeout"])
        outgoing.check_claim()
        try:
            with _client().stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
                status = response.status_code
                answer = _read(response) if 200 <= status < 300 or (notice and status == 409) else b""
                answer_headers = dict(response.headers.items())
        except httpx.ConnectTimeout as exc:
            raise DeliveryError("connect_timeout", "no connection within the timeout", retryable=True) from exc
        except httpx.TimeoutException as exc:
            raise DeliveryError("timeout", "no answer within the timeout", retryable=True) from exc
        except httpx.ConnectError as exc:
            raise DeliveryError("connect_error", "could not connect", retryable=True) from exc
        except httpx.TransportError as exc:
            raise DeliveryError("transport_error", type(exc).__name__, retryable=True) from exc

        if notice and status == 409:
            raise _processed(
                status, answer_headers, answer, receipt_keys, outgoing.idempotency_key, headers["Content-Digest"]
            )
        if not 200 <= status < 300:
            raise _http_error(status, answer_headers)
        return self._receipt(outgoing, status, answer_headers, answer, headers["Content-Digest"], receipt_keys)

    def _receipt(
        self,
        outgoing: Outgoing,
        status: int,
        headers: dict[str, str],
        answer: bytes,
        sent_digest: str,
        keys: "Mapping[str, Ed25519PublicKey]",
    ) -> Outcome:
        try:
            # A receipt is bound to this application (its key and digest, checked below), so an
            # organisation's clock running ahead must not turn an application it holds into a
            # final failure: a day's skew is allowed.
            verified = _verify_signed_answer(status, headers, answer, keys)
        except httpsig.SignatureError as exc:
            raise DeliveryError("bad_receipt_signature", str(exc), retryable=False) from exc
        fields = httpsig.header_fields(headers)
        try:
            receipt = json.loads(answer.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DeliveryError("bad_receipt", "the receipt is not JSON", retryable=False) from exc
        if not isinstance(receipt, dict):
            raise DeliveryError("bad_receipt", "the receipt is not a JSON object", retryable=False)
        if receipt.get("idempotency_key") != outgoing.idempotency_key or receipt.get("content_digest") != sent_digest:
            raise DeliveryError("bad_receipt_signature", "the receipt names another application", retryable=False)
        if receipt.get("type", "hikkoshi-receipt") != "hikkoshi-receipt":
            raise DeliveryError("bad_receipt", "the answer is not a receipt", retryable=False)
        reference = receipt.get("reference")
        if not isinstance(reference, str) or not reference.strip():
            raise DeliveryError("bad_receipt", "the receipt has no reference", retryable=False)
        if not reference.strip().isprintable() or len(reference.strip()) > 100:
            raise DeliveryError(
                "bad_receipt",
                "the receipt's reference is not a printable text of at most 100 characters",
                retryable=False,
            )
        logger.info(
            "web_received delivery=%s channel=web attempt=%d http_status=%s",
            outgoing.delivery_id,
            outgoing.attempt,
            status,
        )
        return Outcome(
            reference=reference.strip(),
            receipt={
                "body": receipt,
                "signature": fields.get("signature", ""),
                "signature_input": fields.get("signature-input", ""),
                "key_id": verified.key_id,
                # Enough to verify the receipt again later (httpsig.verify_stored_receipt).
                "status": status,
                "content_type": headers.get("content-type", ""),
                "content_digest": verified.covered['"content-digest"'],
                "text": answer.decode("utf-8"),
            },
        )


def _processed(
    status: int,
    headers: dict[str, str],
    answer: bytes,
    keys: "Mapping[str, Ed25519PublicKey]",
    idempotency_key: str,
    sent_digest: str,
) -> DeliveryError:
    """A 409 to a withdrawal or correction: the organisation processed the application — if it
    says so with its signature, about this very request (its key and body digest, so an old
    answer replayed does not count)."""
    unsigned = DeliveryError(
        "http_409", "HTTP 409 without the organisation's signature on this request", retryable=False
    )
    try:
        _verify_signed_answer(status, headers, answer, keys)
        problem = json.loads(answer.decode("utf-8"))
    except (httpsig.SignatureError, UnicodeDecodeError, json.JSONDecodeError):
        return unsigned
    if (
        not isinstance(problem, dict)
        or problem.get("idempotency_key") != idempotency_key
        or problem.get("content_digest") != sent_digest
    ):
        return unsigned
    return DeliveryError("already_processed", "the organisation has processed the application", retryable=False)


def _http_error(status: int, headers: Mapping[str, str]) -> DeliveryError:
    code = f"http_{status}"
    if status == 429 or status == 408 or 500 <= status < 600:
        return DeliveryError(
            code, f"HTTP {status}", retryable=True, retry_after=retry_after_seconds(headers.get("retry-after"))
        )
    if status == 401:
        return DeliveryError("signature_refused", "HTTP 401: the organisation refused the signature", retryable=False)
    if status == 403:
        return DeliveryError("forbidden", "HTTP 403", retryable=False)
    return DeliveryError(code, f"HTTP {status}", retryable=False)


CHANNEL = WebChannel


def _verify_signed_answer(
    status: int, headers: dict[str, str], answer: bytes, keys: "Mapping[str, Ed25519PublicKey]"
) -> httpsig.Verified:
    """The organisation's signature on its answer (a receipt, or a 409 about this request):
    tag ``hikkoshi-receipt``, its status, type and digest; no age limit (a stored receipt stays
    verifiable), a day's skew ahead. Raises ``httpsig.SignatureError``."""
    return httpsig.verify_message(
        httpsig.Response(int(status), httpsig.header_fields(headers)),
        tag=httpsig.RECEIPT_TAG,
        components=httpsig.RESPONSE_COMPONENTS,
        body=answer,
        keys=keys,
        max_future=RECEIPT_MAX_FUTURE,
    )
