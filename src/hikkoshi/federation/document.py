"""The signed well-known document (``/.well-known/hikkoshi-portal``, RFC 8615) and its check.

A JWS in compact serialisation (RFC 7515), ``alg`` EdDSA (Ed25519, RFC 8037), ``kid`` the
signing key's id, ``typ`` ``hikkoshi-portal+jws``, made and read with ``joserfc``. Its payload::

    {"id": "sapporo", "name": "…", "region": {"id": "sapporo", "name": "…", "areas": ["01100"]},
     "endpoints": {"federation": "https://…/federation/v1/", "well_known": "…", "keys": "…"},
     "oidc_issuer": "https://…/", "privacy_policy": {"url": "…", "sha256": "<hex>"},
     "keys": {"current": [JWK], "next": [JWK]}, "iat": …, "exp": …}

and, when the operator set one (``HIKKOSHI_PORTAL_PHONE``), ``"contact": {"phone": "011-…"}``:
the number a partner's page gives a mover whose hand-over to this portal failed.

``exp`` is at most 24 hours after ``iat``. The ``sha256`` is that of the Japanese privacy
policy's text (its template, the 正本), so a consent can name the version it was given to.

Trust (``verify_document``): the signing key must be one the operator pinned (its RFC 7638
thumbprint) or one already trusted (listed by an earlier document that verified). Only then do
the keys in the document count: a new key is trusted only when a trusted key signed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
import hashlib
import json
from typing import Any
import warnings

from django.conf import settings
from django.template import TemplateDoesNotExist, loader
from django.urls import reverse
from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from hikkoshi import httpsig
from hikkoshi.places.regions import get_region

from . import keys as own

ALG = "EdDSA"
TYP = "hikkoshi-portal+jws"
MAX_LIFETIME = 24 * 3600
MAX_FUTURE = 60  # seconds a document's iat may be ahead of our clock
WELL_KNOWN_PATH = "/.well-known/hikkoshi-portal"
MEDIA_TYPE = "application/jose"

# RFC 9864 deprecates "EdDSA" for the fully specified "Ed25519"; the common interface says EdDSA
# (with "crv": "Ed25519" in every key), so joserfc's warning about it says nothing new here.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


class DocumentError(Exception):
    """A peer's document is malformed, expired, for another portal, or not signed by a trusted
    key. The text is short and English."""


# --- ours --------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return str(settings.HIKKOSHI_PORTAL_URL).rstrip("/") + path


def privacy_policy_sha256() -> str:
    """SHA-256 (hex) of the Japanese privacy policy's text."""
    try:
        source = loader.get_template("portal/pages/ja/privacy.html").template.source  # type: ignore[attr-defined]
    except (TemplateDoesNotExist, AttributeError):
        source = ""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def document_claims(now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(timezone.utc)
    iat = int(now.timestamp())
    lifetime = min(int(settings.HIKKOSHI_FEDERATION["document_lifetime"]), MAX_LIFETIME)
    region = get_region()
    current, upcoming = own.current_key(), own.next_key()
    claims: dict[str, Any] = {
        "id": own.portal_id(),
        "name": str(settings.HIKKOSHI_PORTAL_NAME or region.name),
        "region": {"id": region.id, "name": str(region.name), "areas": list(region.areas)},
        "endpoints": {
            "federation": _absolute("/federation/v1/"),
            "well_known": _absolute(WELL_KNOWN_PATH),
            "keys": _absolute(reverse("well-known-keys")),
        },
        "oidc_issuer": str(settings.HIKKOSHI_OIDC_ISSUER or settings.HIKKOSHI_PORTAL_URL),
        "privacy_policy": {
            "url": _absolute(reverse("portal:page", kwargs={"slug": "privacy"})),
            "sha256": privacy_policy_sha256(),
        },
        "keys": {"current": [current.jwk], "next": [upcoming.jwk] if upcoming else []},
        "iat": iat,
        "exp": iat + lifetime,
    }
    phone = str(getattr(settings, "HIKKOSHI_PORTAL_PHONE", "") or "").strip()
    if phone:
        claims["contact"] = {"phone": phone}
    return claims


def signed_document(now: datetime | None = None) -> str:
    """This portal's document, signed with its current key."""
    from hikkoshi.delivery.keys import portal_key

    key = OKPKey.import_key(httpsig.private_key_to_pem(portal_key()))
    payload = json.dumps(document_claims(now), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = {"alg": ALG, "kid": own.current_key().kid, "typ": TYP}
    return jws.serialize_compact(header, payload, key, algorithms=[ALG])


# --- a peer's ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedDocument:
    claims: dict[str, Any]
    signed_by: str  # the signing key's kid
    keys: list[dict[str, str]]  # the JWKs that count now (signer, current, next)
    region_areas: list[str]


def _jwks(value: object) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise DocumentError("keys: not a list")
    found = []
    for jwk in value:
        try:
            public = httpsig.jwk_to_public_key(jwk)
        except httpsig.JWKError as exc:
            raise DocumentError(f"keys: {exc}") from exc
        kid = jwk["kid"] if isinstance(jwk, Mapping) else ""  # (a Mapping: it parsed)
        found.append(httpsig.public_jwk(public, str(kid)))
    return found


def _same_key(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return a.get("x") == b.get("x") and a.get("kid") == b.get("kid")


def verify_document(
    token: str | bytes,
    *,
    peer_id: str,
    pinned: Iterable[str],
    trusted: Iterable[Mapping[str, str]] = (),
    now: datetime | None = None,
) -> VerifiedDocument:
    """Check a peer's document; raise ``DocumentError`` unless it verifies with a pinned or
    trusted key, names ``peer_id``, and is valid now for at most 24 hours."""
    now = now or datetime.now(timezone.utc)
    pinned = set(pinned)
    trusted = [dict(jwk) for jwk in trusted]
    try:
        unverified = jws.extract_compact(token.encode("ascii") if isinstance(token, str) else token)
        header = unverified.headers()
        claims = json.loads(unverified.payload)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise DocumentError("not a JWS in compact serialisation") from exc
    if header.get("alg") != ALG or not isinstance(header.get("kid"), str):
        raise DocumentError('the header must name alg "EdDSA" and a kid')
    if not isinstance(claims, dict) or not isinstance(claims.get("keys"), dict):
        raise DocumentError("the payload is not a portal document")
    listed = _jwks(claims["keys"].get("current", [])) + _jwks(claims["keys"].get("next", []))
    kid = header["kid"]
    # The signing key: one already trusted, or one listed whose thumbprint the operator pinned.
    signer = next((jwk for jwk in trusted if jwk.get("kid") == kid), None)
    if signer is None:
        signer = next(
            (
                jwk
                for jwk in listed
                if jwk["kid"] == kid and httpsig.jwk_thumbprint(httpsig.jwk_to_public_key(jwk)) in pinned
            ),
            None,
        )
    if signer is None:
        raise DocumentError("not signed by a pinned or trusted key")
    try:
        verified = jws.deserialize_compact(token, OKPKey.import_key(dict(signer)), algorithms=[ALG])
    except (JoseError, ValueError) as exc:
        raise DocumentError("the signature does not verify") from exc
    claims = json.loads(verified.payload)  # the same bytes, now authentic
    if claims.get("id") != peer_id:
        raise DocumentError("the document is another portal's")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        raise DocumentError("iat and exp must be integers")
    stamp = int(now.timestamp())
    if iat > stamp + MAX_FUTURE or exp <= stamp or exp - iat > MAX_LIFETIME:
        raise DocumentError("the document is expired, not yet valid, or valid for more than 24 hours")
    region = claims.get("region")
    areas = region.get("areas") if isinstance(region, dict) else None
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        raise DocumentError("region.areas must be a list of codes")
    counted = [dict(signer)] + [jwk for jwk in listed if not _same_key(jwk, signer)]
    return VerifiedDocument(claims=claims, signed_by=kid, keys=counted, region_areas=list(areas))
