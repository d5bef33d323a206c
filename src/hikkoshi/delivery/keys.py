"""The portal's own signing key (its Ed25519 key and key id) and the JWK set it publishes.

The web channel signs each application with this key (``hikkoshi.httpsig``, RFC 9421), and
organisations verify with the public half, published at ``/.well-known/hikkoshi-keys.json``. The
key comes from the settings: ``HIKKOSHI_SIGNING_KEY`` (PEM) or ``HIKKOSHI_SIGNING_KEY_FILE``
(made, mode 0600, when absent, unless ``HIKKOSHI_SIGNING_KEY_CREATE`` is false), and its id from
``HIKKOSHI_SIGNING_KEY_ID`` or derived from the key.
"""

from __future__ import annotations

import threading

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import LazySettings, settings
from django.core.exceptions import ImproperlyConfigured

from hikkoshi import httpsig

from .channels.base import JSONObject

# (HIKKOSHI_SIGNING_KEY, HIKKOSHI_SIGNING_KEY_FILE, HIKKOSHI_SIGNING_KEY_ID) → (key, key id)
_portal_cache: dict[tuple[str, str, str], tuple[Ed25519PrivateKey, str]] = {}
_portal_lock = threading.Lock()


def _may_create_key_file(settings: LazySettings) -> bool:
    # Production sets HIKKOSHI_SIGNING_KEY_CREATE = False: a key made on one host is not the others'.
    return bool(getattr(settings, "HIKKOSHI_SIGNING_KEY_CREATE", True))


def _portal() -> tuple[Ed25519PrivateKey, str]:
    pem = getattr(settings, "HIKKOSHI_SIGNING_KEY", "")
    path = getattr(settings, "HIKKOSHI_SIGNING_KEY_FILE", "")
    kid = getattr(settings, "HIKKOSHI_SIGNING_KEY_ID", "")
    cache_key = (pem, str(path), kid)
    found = _portal_cache.get(cache_key)
    if found:
        return found
    with _portal_lock:
        if pem:
            try:
                key = httpsig.private_key_from_pem(pem)
            except ValueError as exc:
                raise ImproperlyConfigured("HIKKOSHI_SIGNING_KEY is not an Ed25519 private key in PEM.") from exc
        elif path:
            try:
                key = httpsig.load_or_create_private_key(path, create=_may_create_key_file(settings))
            except FileNotFoundError as exc:
                raise ImproperlyConfigured(
                    f"The signing key file {path} does not exist: make one with "
                    "`openssl genpkey -algorithm ed25519 -out FILE` (mode 0600)."
                ) from exc
            except ValueError as exc:
                raise ImproperlyConfigured(f"{path} is not an Ed25519 private key in PEM.") from exc
        else:
            raise ImproperlyConfigured("Set HIKKOSHI_SIGNING_KEY or HIKKOSHI_SIGNING_KEY_FILE.")
        found = _portal_cache[cache_key] = (key, kid or httpsig.key_id_for(key.public_key()))
    return found


def portal_key() -> Ed25519PrivateKey:
    """The portal's signing key (``HIKKOSHI_SIGNING_KEY`` or ``HIKKOSHI_SIGNING_KEY_FILE``)."""
    return _portal()[0]


def portal_key_id() -> str:
    """``HIKKOSHI_SIGNING_KEY_ID``, or ``hikkoshi-<16 hex digits>`` derived from the key."""
    return _portal()[1]


def jwks() -> JSONObject:
    """The portal's public keys as a JWK set, for ``/.well-known/hikkoshi-keys.json``."""
    key, kid = _portal()
    return httpsig.make_jwks([(key.public_key(), kid)])
