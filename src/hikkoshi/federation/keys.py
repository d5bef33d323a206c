"""This portal's identity among its peers: its id, its current signing key (the one the web
channel signs with, ``hikkoshi.delivery.keys``) and the next one, published ahead of a change.

Key change: set ``HIKKOSHI_SIGNING_KEY_NEXT(_FILE)`` to the new key; peers fetch the document
signed by the current key, which lists the next one, and trust it from then on. A day later
(the document's lifetime) make the new key the current one and drop the old.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hikkoshi import httpsig
from hikkoshi.delivery.keys import portal_key, portal_key_id


@dataclass(frozen=True)
class PublicKey:
    key: Ed25519PublicKey
    kid: str

    @property
    def jwk(self) -> dict[str, str]:
        return httpsig.public_jwk(self.key, self.kid)

    @property
    def thumbprint(self) -> str:
        return httpsig.jwk_thumbprint(self.key)


def portal_id() -> str:
    """``HIKKOSHI_PORTAL_ID`` (by default the region's id: ``sapporo``, ``kanto``, ``kansai``)."""
    return str(settings.HIKKOSHI_PORTAL_ID)


def current_key() -> PublicKey:
    return PublicKey(portal_key().public_key(), portal_key_id())


def next_key() -> PublicKey | None:
    """The next key (``HIKKOSHI_SIGNING_KEY_NEXT`` or ``_NEXT_FILE``: PEM, private or public)."""
    pem: str | bytes = settings.HIKKOSHI_SIGNING_KEY_NEXT
    path = settings.HIKKOSHI_SIGNING_KEY_NEXT_FILE
    if not pem and path:
        try:
            pem = Path(path).read_bytes()
        except OSError as exc:
            raise ImproperlyConfigured(f"HIKKOSHI_SIGNING_KEY_NEXT_FILE cannot be read: {exc.strerror}") from exc
    if not pem:
        return None
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    try:
        if "PRIVATE KEY" in text:
            public = httpsig.private_key_from_pem(text).public_key()
        else:
            public = httpsig.public_key_from_pem(text.replace("\\n", "\n"))
    except ValueError as exc:
        raise ImproperlyConfigured("The next signing key is not an Ed25519 key in PEM.") from exc
    kid = httpsig.key_id_for(public)
    return None if kid == portal_key_id() else PublicKey(public, kid)
