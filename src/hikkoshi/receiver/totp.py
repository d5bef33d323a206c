"""Time-based one-time passwords (TOTP, RFC 6238) for the receiver's staff (二要素認証).

The portal's staff use allauth's mfa, whose TOTP code (``allauth.mfa.totp.internal.auth``)
imports allauth's ``Authenticator`` model when it is imported, so it cannot be used without
installing allauth's apps (account, mfa, their tables and middleware) in the receiver, which
has none of them. The few lines of RFC 4226 / 6238 are therefore here, with the portal's
parameters: HMAC-SHA-1, 6 digits, 30-second steps, the step before and after also accepted
(``MFA_TOTP_TOLERANCE = 1``), so one authenticator app works for both. The tests check the
codes against RFC 6238's test vectors and against allauth's.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

PERIOD = 30
DIGITS = 6
TOLERANCE = 1  # steps before and after the current one that are also accepted (clock drift)
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends (and allauth makes)


def new_secret() -> str:
    """A new random secret in base32 (what an authenticator app is given)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def hotp(secret: str, counter: int, *, digits: int = DIGITS) -> str:
    """The HOTP value (RFC 4226) of ``counter``, as ``digits`` digits."""
    mac = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def time_step(at: float | None = None) -> int:
    return int(time.time() if at is None else at) // PERIOD


def code_at(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows at ``at`` (now)."""
    return hotp(secret, time_step(at))


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (within the tolerance around ``at``) whose code is ``code``, or ``None``.
    Every candidate is compared, in constant time, whatever matches."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = time_step(at)
    found = None
    for step in range(now - TOLERANCE, now + TOLERANCE + 1):
        if hmac.compare_digest(hotp(secret, step), code) and found is None:
            found = step
    return found


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app takes (what a QR code would hold)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD})
    return f"otpauth://totp/{label}?{query}"
