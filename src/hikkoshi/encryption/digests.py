"""What is stored of a secret token: its digest (API tokens in ``accounts``, the phone consent
links in ``assisted``), so that the database never holds a token that would let someone in.

Unkeyed on purpose: the tokens are 32 random bytes (``secrets.token_urlsafe(32)``), so there
is nothing to guess, and a digest has to stay the same across a rotation of the data keys
(``crypto``), which a keyed digest would not without rewriting every stored one.
"""

import hashlib


def token_digest(token: str) -> str:
    """The SHA-256 of ``token``, in hex (64 characters: the columns that store it)."""
    return hashlib.sha256(token.encode()).hexdigest()
