"""The signatures of ``/federation/``: every request verified, every answer signed.

Before anything else a request must carry a valid signature (``httpsig.verify_message``, tag ``hikkoshi-federation``)
by a key of a pinned peer, made at most 5 minutes ago, with a nonce never seen before, and the
peer must be within its rate; otherwise the answer is a 401 (or 429 with ``Retry-After``)
problem, logged as ``federation_refused reason=… peer=…`` (no message data). A key id no peer
has makes the peers' documents be fetched again, each at most every 30 seconds, so a peer that
changed its key is known at once. After everything else, whatever the answer — the operation's,
a problem, a 404 of an unknown path — it is signed with this portal's key, covering the
request's signature (``;req``).
"""

from datetime import datetime, timezone
import logging
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils import translation
from django.utils.translation import gettext as _

from hikkoshi import httpsig
from hikkoshi.delivery.keys import portal_key, portal_key_id
from hikkoshi.web import Problem, problem_response

from . import client, services

logger = logging.getLogger(__name__)

PREFIX = "/federation/"
PUBLIC = ("/federation/v1/openapi.json",)  # the interface's description: anyone may read it
# Pages for movers' browsers (the claim of a hand-over), not for peers: neither checked nor
# signed (and given sessions: ``hikkoshi.api.middleware.PAGE_PREFIXES``).
BROWSER_PREFIX = "/federation/claim/"


class Refused(Exception):
    def __init__(self, reason: str, problem: Problem, peer: str = "-") -> None:
        super().__init__(reason)
        self.reason, self.problem, self.peer = reason, problem, peer


def _unauthorised(reason: str, detail: str, peer: str = "-") -> Refused:
    return Refused(
        reason, Problem(401, f"signature-{reason.replace('_', '-')}", _("Signature not accepted"), detail), peer
    )


def target_uri(request: HttpRequest) -> str:
    """The URL the peer signed: as this request names it (behind a proxy, Host and
    X-Forwarded-Proto must be passed on, as for the rest of the portal)."""
    return request.build_absolute_uri()


class FederationSignatureMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX) or request.path_info.startswith(BROWSER_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        with translation.override(language):
            try:
                response = self._checked(request)
            except Refused as refused:
                logger.info(
                    "federation_refused reason=%s peer=%s method=%s path=%s",
                    refused.reason,
                    refused.peer,
                    request.method,
                    request.path,
                )
                response = problem_response(refused.problem, request.path)
                if refused.problem.status == 429:
                    response["Retry-After"] = str(getattr(refused, "retry_after", 60))
        return self._signed(request, response)

    def _checked(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PUBLIC and request.method in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            body = request.body
        except RawPostDataException:  # pragma: no cover (nothing reads the stream before us)
            body = b""
        except RequestDataTooBig as exc:
            too_large = Problem(
                413, "too-large", _("Request too large"), _("The body is over the size this portal reads.")
            )
            raise Refused("too_large", too_large) from exc
        if "signature-input" not in request.headers or "signature" not in request.headers:
            raise _unauthorised("unsigned", _("Sign every request (RFC 9421, tag hikkoshi-federation)."))
        found: dict[str, object] = {}

        def resolve(key_id: str):
            found["asked"] = key_id
            match = services.peer_for_key(key_id)
            if match is None and client.refresh_for_unknown_key():  # a peer may have changed its key
                match = services.peer_for_key(key_id)
            if match is None:
                return None
            found["peer"] = match[0]
            return match[1]

        try:
            verified = httpsig.verify_message(
                httpsig.Request(
                    (request.method or "GET").upper(), target_uri(request), httpsig.header_fields(request.headers)
                ),
                tag=httpsig.FEDERATION_TAG,
                components=httpsig.federation_components(body),
                body=body,
                keys=resolve,
                max_age=httpsig.MAX_AGE,
            )
        except httpsig.SignatureError as exc:
            text = str(exc)
            if "asked" in found and "peer" not in found:
                raise _unauthorised("unknown_key", _("The key is not one of a partner portal's.")) from exc
            peer_slug = found["peer"].slug if "peer" in found else "-"  # type: ignore[attr-defined]
            if "too old" in text or "maximum allowable age" in text:
                raise _unauthorised("stale", _("The signature is too old: sign each request anew."), peer_slug) from exc
            raise _unauthorised("bad_signature", _("The signature does not verify."), peer_slug) from exc
        peer = found["peer"]
        if not isinstance(peer, services.Peer):  # pragma: no cover (resolve() set it when it verified)
            raise _unauthorised("unknown_key", _("The key is not one of a partner portal's."))
        try:
            services.remember_nonce(verified.key_id, verified.nonce, verified.created)
        except services.Replayed as exc:
            raise _unauthorised(
                "replayed", _("This signature was used before: sign each request anew."), peer.slug
            ) from exc
        wait = services.over_rate(peer)
        if wait:
            refused = Refused(
                "rate",
                Problem(
                    429, "too-many-requests", _("Too many requests"), _("Try again after the time in Retry-After.")
                ),
                peer.slug,
            )
            refused.retry_after = wait  # type: ignore[attr-defined]
            raise refused
        request.federation_peer = peer  # type: ignore[attr-defined]
        return self.get_response(request)

    def _signed(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(response, "streaming", False):  # pragma: no cover (no operation streams)
            response = problem_response(Problem(500, "server-error", _("Server error")), request.path)
        for name, value in _answer_signature(request, response).items():
            response[name] = value
        response["Cache-Control"] = "no-store"
        response["Hikkoshi-Portal"] = str(settings.HIKKOSHI_PORTAL_ID)
        return response


def _answer_signature(request: HttpRequest, response: HttpResponse) -> dict[str, str]:
    """The header fields that sign an answer (any status) to ``request``: tag
    ``hikkoshi-federation-answer``, covering its status, digest and type, and the request's
    method, URL and signature labelled ``hikkoshi`` (``;req``) — or, for a request that has no
    such signature (refused as unsigned), its method and URL only."""
    content_type = response.get("Content-Type", "")
    answered = httpsig.request_of_answer(request.method or "GET", target_uri(request), request.headers)
    created = datetime.now(timezone.utc)
    for covers_signature in (True, False):
        try:
            return httpsig.sign_message(
                httpsig.Response(
                    response.status_code, {"Content-Type": content_type} if content_type else {}, answered
                ),
                tag=httpsig.FEDERATION_ANSWER_TAG,
                components=httpsig.answer_components(
                    content_type=bool(content_type), request_signature=covers_signature
                ),
                private_key=portal_key(),
                key_id=portal_key_id(),
                body=response.content,
                created=created,
            )
        except httpsig.SigningError:
            if not covers_signature:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _origin(url: object) -> str:
    """``scheme://host[:port]`` of an http(s) URL, else ""."""
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


ORIGINS_CHECK_INTERVAL = 1.0  # seconds: the peers' revision is read at most this often
# Per database: (when the stamp was last read, the stamp, the origins read under it).
_origins: dict[str, tuple[float, int | None, list[str]]] = {}
_origins_lock = threading.Lock()


def bump_peer_revision() -> None:
    """Renew the peers' revision (``models.PeerRevision``) in the current transaction, and forget
    this process's memo now and when the transaction commits. Every save and delete of a
    ``Peer`` calls it (``apps``); call it after bulk writes, which send no signals."""
    from .models import PeerRevision

    forget_partner_origins()
    transaction.on_commit(forget_partner_origins)
    stamp = secrets.randbits(62)
    if not PeerRevision.objects.filter(pk=1).update(stamp=stamp):
        PeerRevision.objects.update_or_create(pk=1, defaults={"stamp": stamp})


def forget_partner_origins() -> None:
    _origins.clear()


def _peer_revision() -> int | None:
    from .models import PeerRevision

    return PeerRevision.objects.filter(pk=1).values_list("stamp", flat=True).first()


def partner_origins() -> list[str]:
    """The origins a sign-in between portals crosses: each pinned peer's own address (its
    callback, where this portal's provider sends the mover back) and its OpenID Connect issuer
    (where this portal sends the mover to sign in). Peers reached through an adapter sign no one
    in.

    Asked on every page: kept in memory with the peers' revision (``models.PeerRevision``) it was
    read under, and read again only when the revision differs. The revision is read at most every
    ``ORIGINS_CHECK_INTERVAL`` seconds (another process's change shows here within that time,
    this process's own at once); inside a transaction it is always read, so a change that may
    yet be rolled back (a test's) is never taken for the committed state, nor the reverse."""
    key = connection.alias + ":" + str(connection.settings_dict.get("NAME"))
    held = _origins.get(key)
    now = time.monotonic()
    in_transaction = connection.in_atomic_block
    if held is not None and not in_transaction and now - held[0] < ORIGINS_CHECK_INTERVAL:
        return held[2]
    revision = _peer_revision()
    if held is None or held[1] != revision:
        held = (now, revision, _read_partner_origins())
    with _origins_lock:
        _origins[key] = (now, revision, held[2])
    return held[2]


def _read_partner_origins() -> list[str]:
    from .models import Peer

    found: set[str] = set()
    for base_url, issuer in Peer.objects.filter(adapter="").values_list("base_url", "document__oidc_issuer"):
        found.update(origin for origin in (_origin(base_url), _origin(issuer)) if origin)
    return sorted(found)


class PartnerFormActionMiddleware:
    """Lets a page's forms lead to the partner portals' sign-in. A browser applies the CSP
    ``form-action`` to every redirect a form's POST follows: with ``'self'`` alone, the button
    that signs in through the origin (a POST answered by a redirect to the origin's provider) and
    the sign-in form at the origin (answered, through its provider, by a redirect to the
    partner's callback) are blocked. Pages (HTML) get ``form-action 'self'`` and the origins of
    the pinned peers (``partner_origins``), unless a view set its own policy. Listed after
    Django's CSP middleware, so that it sees the answer first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if hasattr(response, "_csp_config") or not response.get("Content-Type", "").startswith("text/html"):
            return response
        policy: dict[str, Any] = dict(settings.SECURE_CSP or {})
        if policy and (origins := partner_origins()):
            response._csp_config = {**policy, "form-action": [*policy.get("form-action", []), *origins]}
        return response
