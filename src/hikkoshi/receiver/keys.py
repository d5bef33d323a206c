"""The receiver's keys: each organisation's own receipt key, and the portal's public keys.

Each organisation served has an Ed25519 key in ``<data dir>/keys/<slug>.pem`` (mode 0600, made on
first start); its key id is ``<slug>-<16 hex digits>`` and its JWK set is published at
``/<slug>/.well-known/receipt-keys.json`` for the portal's directory.

The portal's keys come from its JWK set (``--portal-keys-url``; cached, fetched again when a
signature names a key id not in it, at most every few seconds, and once the copy is an hour old)
or from a file (``--portal-key-file``: a JWK set, or one public key in PEM, which then verifies
whatever key id the portal gives).
"""

from functools import cache
import json
import logging
from pathlib import Path
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
import httpx

from hikkoshi import httpsig

logger = logging.getLogger(__name__)


# --- the organisations' own keys -------------------------------------------------------------------


def key_path(slug: str, data_dir: Path | None = None) -> Path:
    return Path(data_dir or settings.RECEIVER_DATA_DIR) / "keys" / f"{slug}.pem"


@cache
def organisation_key(slug: str) -> tuple[Ed25519PrivateKey, str]:
    """The organisation's receipt key and its key id (the key file is made when absent)."""
    key = httpsig.load_or_create_private_key(key_path(slug))
    return key, httpsig.key_id_for(key.public_key(), prefix=slug)


def organisation_jwks(slug: str) -> dict:
    key, kid = organisation_key(slug)
    return httpsig.make_jwks([(key.public_key(), kid)])


# --- the portal's keys -----------------------------------------------------------------------------


class PortalKeySourceError(Exception):
    """The configured source of the portal's keys cannot be read or is not a key."""


def read_key_file(path: Path | str) -> dict[str | None, Ed25519PublicKey]:
    """Key id → key from a JWK set (JSON) or one public key in PEM (key id ``None``: any)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PortalKeySourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data.lstrip().startswith(b"-----BEGIN"):
        if b"PRIVATE KEY" in data:
            raise PortalKeySourceError(f"{path} holds a private key: give the portal's public key")
        try:
            return {None: httpsig.public_key_from_pem(data)}
        except ValueError as exc:
            raise PortalKeySourceError(f"{path} is not an Ed25519 public key") from exc
    try:
        keys = httpsig.keys_from_jwks(json.loads(data), strict=False)
    except (ValueError, httpsig.JWKError) as exc:
        raise PortalKeySourceError(f"{path} is neither a JWK set nor a PEM public key") from exc
    if not keys:
        raise PortalKeySourceError(f"{path} has no Ed25519 key")
    return dict(keys.items())  # key ids as str | None: None is the key of a PEM file


class PortalKeys:
    """Finds the portal's public key by key id, from a URL (cached) or a file."""

    def __init__(
        self,
        *,
        url: str = "",
        file: str = "",
        refetch_interval: float = 5.0,
        max_age: float = 3600.0,
        timeout: float = 5.0,
    ):
        if bool(url) == bool(file):
            raise PortalKeySourceError("give either the portal's keys URL or a key file")
        self.url, self.file = url, file
        self.refetch_interval, self.max_age, self.timeout = refetch_interval, max_age, timeout
        self._keys: dict | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def fetch(self) -> dict:
        """Fetch the JWK set now (raises ``httpsig.KeyUnavailable`` when it cannot be had)."""
        try:
            response = httpx.get(
                self.url, timeout=self.timeout, follow_redirects=True, headers={"Accept": "application/json"}
            )
            response.raise_for_status()
            keys = httpsig.keys_from_jwks(response.json(), strict=False)
        except (httpx.HTTPError, ValueError, httpsig.JWKError) as exc:
            logger.warning("portal keys not fetched: %s", type(exc).__name__)
            raise httpsig.KeyUnavailable("the portal's keys could not be fetched") from exc
        self._keys, self._fetched_at = keys, time.monotonic()
        logger.info("portal keys fetched: %d", len(keys))
        return keys

    def resolve(self, key_id: str) -> Ed25519PublicKey | None:
        if self.file:
            if self._keys is None:
                self._keys = read_key_file(self.file)
            return self._keys.get(key_id) or self._keys.get(None)
        with self._lock:
            age = time.monotonic() - self._fetched_at
            unknown = self._keys is None or key_id not in self._keys
            if self._keys is None or (unknown and age >= self.refetch_interval) or age >= self.max_age:
                try:
                    self.fetch()
                except httpsig.KeyUnavailable:
                    if self._keys is None or key_id not in self._keys:
                        raise  # the sender should try again later
                    # The copy we have still knows this key: use it, try again a little later.
                    self._fetched_at = time.monotonic() - max(0.0, self.max_age - self.refetch_interval)
            keys = self._keys  # fetched just now, or the copy that still knows the key
            return keys.get(key_id) if keys is not None else None


_portal_keys: dict = {}


def portal_keys() -> PortalKeys:
    """This process's ``PortalKeys``, from the settings."""
    config = settings.RECEIVER
    source = (config["portal_keys_url"], config["portal_key_file"])
    found = _portal_keys.get(source)
    if found is None:
        found = _portal_keys[source] = PortalKeys(
            url=config["portal_keys_url"],
            file=config["portal_key_file"],
            refetch_interval=config["keys_refetch_interval"],
            max_age=config["keys_max_age"],
        )
    return found
