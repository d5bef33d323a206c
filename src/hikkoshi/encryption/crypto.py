"""Encryption at rest of personal data (個人情報の暗号化): AES-256-GCM with a keyring.

Keys are named (``kid``) 32-byte AES keys, written ``kid:base64`` — in ``HIKKOSHI_DATA_KEYS``
(comma-separated) or, when that is empty, one a line in the key file ``HIKKOSHI_DATA_KEY_FILE``
(blank lines and lines starting with ``#`` are ignored). The first key encrypts; every key
decrypts. Outside production a missing key file is made (mode 0600) with one new key; in
production (``HIKKOSHI_DATA_KEY_CREATE = False``) a missing key stops start-up.

A value is encrypted into a text token::

    hk2:<kid>:<base64url(nonce ‖ ciphertext ‖ tag)>      (no padding)

with a random 96-bit nonce and, as associated data, ``hk2|<context>|<row>``: the context names
the value's column (``moves_move.applicant``), the row names its row (``fields`` makes it from the
row's key, e.g. the move's ``public_id``). A token copied into another row, another column or
another table, or with its key id changed, does not decrypt. ``hk1:`` tokens, with ``hk1|<context>``
as associated data, are bound to their column only: what was stored before values were bound
to their rows (still read; ``hikkoshi keys rotate`` rewrites them as ``hk2``), and what has no
row (the second-factor secrets that allauth stores through ``privacy.mfa``; a column's default
written without a row). Anything wrong — an unknown key id, a wrong key, a tampered or truncated
token, another place's token, a row-bound token read without its row — raises
``DecryptionError``; nothing is ever returned silently. Error messages never contain the data.

Rotation: put the new key first (``new,old``) everywhere, restart, run ``hikkoshi keys rotate``
(re-encrypts every value still under another key, and rebuilds the blind indexes), then remove
the old key.

Blind indexes (``Keyring.blind``): where an app must find rows by an encrypted value without
decrypting every row (staff's search by a customer's name), it stores keyed digests of the
value's normalised forms: HMAC-SHA256 under a key derived from the data key with HKDF-SHA256
(never the data key itself; one derived key per purpose), the first 16 bytes, in hex. Equal
values give equal digests (that is what makes them searchable: the database learns which rows
share a name, never the name); a digest is tied to the key it was made with, so the terms are
rebuilt when the first key changes.

``python -m hikkoshi.encryption.crypto`` prints a new key line without needing Django settings
(for a production host that cannot start before it has a key).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timezone
import logging
import os
from pathlib import Path
import re
import secrets
import tempfile
import threading
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

logger = logging.getLogger(__name__)

PREFIX = "hk1"  # bound to a column (context) only
ROW_PREFIX = "hk2"  # bound to a column and a row
NONCE_BYTES = 12
KEY_BYTES = 32
TAG_BYTES = 16
BLIND_BYTES = 16  # of a blind index term (HMAC-SHA256, truncated)
BLIND_INFO = b"hikkoshi blind index v1|"  # HKDF info, followed by the purpose
KID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_TOKEN_BODY = re.compile(r"^[A-Za-z0-9_-]+$")
# How often (seconds) a process looks whether the key file changed.
FILE_CHECK_INTERVAL = 1.0


class KeyConfigurationError(Exception):
    """The keys are missing or malformed (a start-up problem, not a data problem)."""


class DecryptionError(Exception):
    """A token cannot be decrypted: unknown key, wrong key, tampered, or from another place."""


@dataclass(frozen=True)
class Keyring:
    """The data keys of this process: ``primary`` encrypts, every key in ``keys`` decrypts."""

    primary: str
    keys: dict[str, AESGCM]
    source: str  # "HIKKOSHI_DATA_KEYS" or the key file's path (for messages; never a key)
    # The raw keys, only to derive the blind index keys from (never shown: repr=False).
    raw_keys: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)
    _derived: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False, compare=False)

    def blind(self, value: str, purpose: str, kid: str | None = None) -> str:
        """The blind index term of ``value`` for ``purpose`` (``"assisted.name"``) under the key
        ``kid`` (default: the first key): HMAC-SHA256 with a key derived by HKDF-SHA256 from
        that data key and the purpose, truncated to ``BLIND_BYTES``, in hex. Normalise
        ``value`` first: only exactly equal values give equal terms."""
        kid = kid or self.primary
        derived = self._derived.get((kid, purpose))
        if derived is None:
            secret = self.raw_keys.get(kid)
            if secret is None:
                raise KeyConfigurationError(f"the data key {kid!r} is not in the keyring ({self.source})")
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=BLIND_INFO + purpose.encode())
            derived = self._derived.setdefault((kid, purpose), hkdf.derive(secret))
        mac = hmac.HMAC(derived, hashes.SHA256())
        mac.update(value.encode("utf-8"))
        return mac.finalize()[:BLIND_BYTES].hex()

    def encrypt(self, plaintext: bytes, context: str, row: str | None = None) -> str:
        """A token for ``context`` (``table.column``), bound to ``row`` too unless it is None."""
        nonce = os.urandom(NONCE_BYTES)
        prefix = PREFIX if row is None else ROW_PREFIX
        sealed = self.keys[self.primary].encrypt(nonce, plaintext, _aad(prefix, context, row))
        return f"{prefix}:{self.primary}:{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, context: str, row: str | None = None) -> bytes:
        """The plaintext of a token made for ``context`` and ``row``. A column-bound (``hk1``)
        token ignores ``row``; a row-bound one (``hk2``) needs it."""
        kid, blob = split_token(token)
        row_bound = is_row_bound(token)
        if row_bound and row is None:
            raise DecryptionError(f"{context}: the token is bound to a row, and no row was given")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"{context}: the data key {kid!r} is not in the keyring ({self.source})")
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError(f"{context}: the token is truncated")
        prefix = ROW_PREFIX if row_bound else PREFIX
        try:
            return key.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(prefix, context, row))
        except InvalidTag:
            raise DecryptionError(
                f"{context}: the token does not verify with key {kid!r} "
                f"(wrong key, altered, or copied from another {'row, ' if row_bound else ''}column or table)"
            ) from None


def _aad(prefix: str, context: str, row: str | None) -> bytes:
    # A context has no "|" (table and column names): the row after it is unambiguous.
    return (f"{prefix}|{context}" if prefix == PREFIX else f"{prefix}|{context}|{row}").encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+=*$")


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not; anything else is an error."""
    text = text.strip()
    if not _BASE64.match(text):
        raise ValueError("not base64")
    text = text.rstrip("=").replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith((PREFIX + ":", ROW_PREFIX + ":"))


def is_row_bound(token: str) -> bool:
    """Whether a token is bound to its row (``hk2``), not only to its column (``hk1``)."""
    return token.startswith(ROW_PREFIX + ":")


def token_kid(token: str) -> str:
    """The key id a token was made with (no decryption)."""
    return split_token(token)[0]


def split_token(token: str) -> tuple[str, bytes]:
    if not is_token(token):
        raise DecryptionError("not an encrypted value (expected a hk1: or hk2: token)")
    parts = token.split(":", 2)
    if len(parts) != 3 or not KID.match(parts[1]):
        raise DecryptionError("malformed token")
    if not _TOKEN_BODY.match(parts[2]):
        raise DecryptionError("malformed token")
    try:
        blob = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("malformed token") from None
    return parts[1], blob


# --- keys as text ----------------------------------------------------------------------------


def parse_keys(text: str, *, separator: str | None = None, source: str = "keys") -> list[tuple[str, bytes]]:
    """``kid:base64`` entries (comma- or line-separated) as ``(kid, key)``, first one first.

    Raises ``KeyConfigurationError`` naming the entry's position, never its content."""
    if separator is None:  # a file: a key a line (or several, comma-separated); "#" comments
        lines = [line.strip() for line in text.splitlines()]
        items = [item.strip() for line in lines if line and not line.startswith("#") for item in line.split(",")]
    else:
        items = [item.strip() for item in text.split(separator)]
    keys: list[tuple[str, bytes]] = []
    for n, item in enumerate(items, 1):
        if not item:
            continue
        kid, colon, encoded = item.partition(":")
        kid = kid.strip()
        if not colon or not KID.match(kid):
            raise KeyConfigurationError(
                f"{source}: entry {n} is not 'kid:base64key' (a key id of letters, digits, '_', '.', '-')"
            )
        try:
            key = _b64decode(encoded)
        except (binascii.Error, ValueError):
            raise KeyConfigurationError(f"{source}: the key {kid!r} is not base64") from None
        if len(key) != KEY_BYTES:
            raise KeyConfigurationError(f"{source}: the key {kid!r} has {len(key)} bytes; AES-256 needs {KEY_BYTES}")
        if any(kid == k for k, _ in keys):
            raise KeyConfigurationError(f"{source}: the key id {kid!r} appears twice")
        keys.append((kid, key))
    if not keys:
        raise KeyConfigurationError(f"{source}: no key")
    return keys


def new_key_line(kid: str | None = None) -> str:
    """A new random key as ``kid:base64`` (the kid from today's date and a random suffix)."""
    if kid is None:
        kid = f"k{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(3)}"
    if not KID.match(kid):
        raise ValueError("a key id has 1 to 40 letters, digits, '_', '.' or '-'")
    return f"{kid}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode('ascii')}"


def make_keyring(entries: list[tuple[str, bytes]], source: str) -> Keyring:
    return Keyring(
        primary=entries[0][0],
        keys={kid: AESGCM(key) for kid, key in entries},
        source=source,
        raw_keys=dict(entries),
    )


def create_key_file(path: Path) -> None:
    """Make ``path`` (mode 0600) with one new key, unless another process made it first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".data-keys-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write("# hikkoshi data keys: the first encrypts, all decrypt (hikkoshi keys rotate)\n")
            out.write(new_key_line() + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # atomic, and never replaces a key file that exists
        except FileExistsError:
            return
        logger.warning("made a new data key file %s (mode 0600); keep it, and back it up apart from the database", path)
    finally:
        os.unlink(tmp)


# --- the keyring of this process -------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Keyring] | None = None
_file_checked = 0.0


def _file_stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def keyring() -> Keyring:
    """The keyring from settings, cached per process; reloaded when the settings or the key
    file change (the file is looked at at most once a second)."""
    global _cached, _file_checked
    from django.conf import settings

    text = getattr(settings, "HIKKOSHI_DATA_KEYS", "") or ""
    file = getattr(settings, "HIKKOSHI_DATA_KEY_FILE", "") or ""
    create = getattr(settings, "HIKKOSHI_DATA_KEY_CREATE", True)
    signature = (text, file, create)
    cached = _cached
    if cached is not None and cached[0][:3] == signature:
        if text or time.monotonic() - _file_checked < FILE_CHECK_INTERVAL:
            return cached[1]
    with _lock:
        if text:
            ring = make_keyring(parse_keys(text, separator=",", source="HIKKOSHI_DATA_KEYS"), "HIKKOSHI_DATA_KEYS")
            _cached = (signature, ring)
            return ring
        if not file:
            raise KeyConfigurationError("set HIKKOSHI_DATA_KEYS or HIKKOSHI_DATA_KEY_FILE")
        path = Path(file)
        if not path.exists():
            if not create:
                raise KeyConfigurationError(
                    f"no data key: HIKKOSHI_DATA_KEYS is empty and the key file {path} does not exist"
                )
            create_key_file(path)
        stamp = _file_stamp(path)
        _file_checked = time.monotonic()
        if _cached is not None and _cached[0] == (*signature, stamp):
            return _cached[1]
        if path.stat().st_mode & 0o077:
            logger.warning("the data key file %s can be read by other users; chmod 600 it", path)
        ring = make_keyring(parse_keys(path.read_text(encoding="utf-8"), source=str(path)), str(path))
        _cached = ((*signature, stamp), ring)
        return ring


def reset() -> None:
    """Forget the cached keyring (the next use reads the settings and the key file again)."""
    global _cached
    with _lock:
        _cached = None


def encrypt(plaintext: bytes, context: str, row: str | None = None) -> str:
    return keyring().encrypt(plaintext, context, row)


def decrypt(token: str, context: str, row: str | None = None) -> bytes:
    return keyring().decrypt(token, context, row)


if __name__ == "__main__":  # python -m hikkoshi.encryption.crypto
    import sys

    sys.stdout.write(new_key_line() + "\n")
