"""Time-based one-time passwords (TOTP, RFC 6238) for the receiver's staff (二要素認証).

The portal's staff use allauth's mfa, whose TOTP code (``allauth.mfa.totp.internal.auth``)
imports allauth's ``Authenticator`` model when it is imported, so it cannot be used without
installing allauth's apps (account, mfa, their tables and middleware) in the receiver, which
has none of them. The codes come from ``pyotp`` instead, with the portal's parameters:
HMAC-SHA-1, 6 digits, 30-second steps, the step before and after also accepted
(``MFA_TOTP_TOLERANCE = 1``), so one authenticator app works for both. The tests check the
codes against RFC 6238's test vectors and against allauth's.
"""

import hmac
import time

import pyotp

PERIOD = 30
DIGITS = 6
TOLERANCE = 1  # steps before and after the current one that are also accepted (clock drift)
SECRET_CHARS = 32  # base32 characters: 160 bits, as RFC 4226 recommends (and allauth makes)


def new_secret() -> str:
    """A new random secret in base32 (what an authenticator app is given)."""
    return pyotp.random_base32(SECRET_CHARS)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret.strip().replace(" ", "").upper(), digits=DIGITS, interval=PERIOD)


def hotp(secret: str, counter: int, *, digits: int = DIGITS) -> str:
    """The HOTP value (RFC 4226) of ``counter``, as ``digits`` digits."""
    return pyotp.HOTP(secret.strip().replace(" ", "").upper(), digits=digits).at(counter)


def time_step(at: float | None = None) -> int:
    return int(time.time() if at is None else at) // PERIOD


def code_at(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows at ``at`` (now)."""
    return _totp(secret).at(time_step(at) * PERIOD)


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (within the tolerance around ``at``) whose code is ``code``, or ``None``.
    Every candidate is compared, in constant time, whatever matches (the step is what makes a
    code single-use, so it is returned rather than a yes or no)."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = _totp(secret)
    now = time_step(at)
    found = None
    for step in range(now - TOLERANCE, now + TOLERANCE + 1):
        if hmac.compare_digest(totp.at(step * PERIOD), code) and found is None:
            found = step
    return found


def otpauth_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app takes (what a QR code would hold)."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)
