"""Second-factor secrets encrypted at rest, bound to their row: allauth's MFA adapter with the
portal's data keys (二要素認証の秘密鍵の暗号化).

The TOTP secret and the recovery-code seed of every staff member are as sensitive as a
password: a copied database must not give them away, and a secret copied into another staff
member's authenticator row must not work there. They are stored as ``hk2:`` tokens
(``hikkoshi.encryption.crypto``) for the column ``mfa_authenticator.secret`` and the row
``["<user id>","<type>"]`` — allauth keeps at most one TOTP and one set of recovery codes per
user (its ``unique_authenticator_type`` constraint), and both values are known before the
row is inserted and never change, like the row keys of ``encryption.fields``.

allauth's hook (``MFAAdapter.encrypt`` / ``decrypt``) is given the text only, never its row, so
the row travels with the value in memory:

- ``encrypt`` (called before the row exists) returns a ``PendingSecret``: text whose value is a
  column-bound ``hk1`` token and which holds the secret; ``pre_save`` of ``Authenticator``
  (``seal_secrets``) replaces it with a token bound to the row being saved. A save that sends no
  signal (``bulk_create``) writes the ``hk1`` token: encrypted, and bound by ``keys rotate``.
- An authenticator made from the database (``post_init``, ``attach_rows``) gets each row-bound
  token wrapped as a ``RowToken`` naming the row it was read from; ``decrypt`` opens it with
  that row, so a token copied from another row raises ``DecryptionError`` (as
  ``EncryptedJSONField`` does), and a row-bound token that does not say its row is refused.

Values stored before (an ``hk1`` token bound to the column only, or plain base32 from before
secrets were encrypted) are still read; any save of the row and ``hikkoshi keys rotate`` rewrite
them bound to their row.
"""

from __future__ import annotations

from collections import Counter
import json
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter

from hikkoshi.encryption import crypto

CONTEXT = "mfa_authenticator.secret"
# The data keys of an authenticator that allauth encrypts through the adapter.
SECRET_KEYS = ("secret", "seed")


class PendingSecret(str):
    """A secret encrypted before its row exists: its text is a column-bound token (what is
    written if nothing binds it), ``plain`` the secret, which ``seal_secrets`` binds to the row."""

    plain: str

    def __new__(cls, plain: str) -> PendingSecret:
        made = super().__new__(cls, crypto.encrypt(plain.encode(), CONTEXT))
        made.plain = plain
        return made


class RowToken(str):
    """A row-bound token as read from an authenticator row, with that row (``row``)."""

    row: str

    def __new__(cls, token: str, row: str) -> RowToken:
        made = super().__new__(cls, token)
        made.row = row
        return made


def row_of(user_id: object, kind: object) -> str:
    """The row a secret is bound to: its authenticator's user and type."""
    return json.dumps([str(user_id), str(kind)], separators=(",", ":"))


def _row_of_instance(instance: Any) -> str | None:
    # From the instance's own values only: a deferred field is never loaded here (post_init).
    values = vars(instance)
    user_id, kind = values.get("user_id"), values.get("type")
    return None if user_id is None or not kind else row_of(user_id, kind)


class EncryptingMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return PendingSecret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return open_secret(encrypted_text)


def open_secret(value: str) -> str:
    """The secret of a value as an authenticator holds it (raises ``DecryptionError`` for a
    token copied from another row, or a row-bound one that does not say its row)."""
    if isinstance(value, PendingSecret):
        return value.plain
    if not crypto.is_token(value):
        return value  # stored before secrets were encrypted
    row = value.row if isinstance(value, RowToken) else None
    return crypto.decrypt(str(value), CONTEXT, row).decode()


def attach_rows(sender, instance, **_kwargs) -> None:
    """``post_init`` of ``Authenticator``: each row-bound secret it holds names its row."""
    data = vars(instance).get("data")
    row = _row_of_instance(instance)
    if not isinstance(data, dict) or row is None:
        return
    for key in SECRET_KEYS:
        value = data.get(key)
        if type(value) is str and crypto.is_token(value) and crypto.is_row_bound(value):
            data[key] = RowToken(value, row)


def seal_secrets(sender, instance, raw=False, update_fields=None, **_kwargs) -> None:
    """``pre_save`` of ``Authenticator``: each secret it writes is bound to its row (a new one,
    or one stored before rows were bound, or read from another row: opened with that row)."""
    if raw or (update_fields is not None and "data" not in update_fields):
        return
    data = instance.data
    row = _row_of_instance(instance)
    if not isinstance(data, dict) or row is None:
        return
    for key in SECRET_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or (isinstance(value, RowToken) and value.row == row):
            continue
        if isinstance(value, PendingSecret):
            plain = value.plain
        elif not crypto.is_token(value):
            plain = value  # stored in clear before secrets were encrypted
        elif isinstance(value, RowToken) or not crypto.is_row_bound(value):
            plain = open_secret(value)
        else:
            continue  # a row-bound token that does not say its row: written back as it is
        data[key] = RowToken(crypto.encrypt(plain.encode(), CONTEXT, row), row)


def connect() -> None:
    from allauth.mfa.models import Authenticator
    from django.db.models.signals import post_init, pre_save

    post_init.connect(attach_rows, sender=Authenticator, dispatch_uid="hikkoshi-mfa-rows")
    pre_save.connect(seal_secrets, sender=Authenticator, dispatch_uid="hikkoshi-mfa-seal")


def rotate_authenticators(report) -> None:
    """Re-encrypt second-factor secrets not under the first key or not bound to their row (part
    of ``keys rotate``). A token that does not open with its row is reported, never rewritten."""
    from allauth.mfa.models import Authenticator
    from django.db import transaction

    ring = crypto.keyring()
    for pk in Authenticator.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            found = Authenticator.objects.select_for_update().filter(pk=pk).values_list("user_id", "type", "data")
            if not found:
                continue
            user_id, kind, stored = found[0]
            row = row_of(user_id, kind)
            data = dict(stored or {})
            changed = False
            for key in SECRET_KEYS:
                value = data.get(key)
                if not isinstance(value, str):
                    continue
                report.rows += 1
                try:
                    # Opened even when current (a few rows): one copied from another row is reported.
                    plain = ring.decrypt(value, CONTEXT, row) if crypto.is_token(value) else value.encode()
                except crypto.DecryptionError as exc:
                    report.failed.append(f"{CONTEXT} #{pk}: {type(exc).__name__}")
                    continue
                if crypto.is_token(value) and crypto.is_row_bound(value) and crypto.token_kid(value) == ring.primary:
                    report.current += 1
                    continue
                data[key] = ring.encrypt(plain, CONTEXT, row)
                report.rotated += 1
                changed = True
            if changed:
                Authenticator.objects.filter(pk=pk).update(data=data)


def key_counts(counts: dict[str, Counter[str]]) -> None:
    """Add the second-factor secrets to ``keys status``'s counts (as ``rotation.key_counts``
    counts the columns: a key id, with ``(column-bound)`` for a token not bound to its row)."""
    from allauth.mfa.models import Authenticator

    counter = counts.setdefault(CONTEXT, Counter())
    for data in Authenticator.objects.values_list("data", flat=True):
        for key in SECRET_KEYS:
            value = (data or {}).get(key)
            if not isinstance(value, str):
                continue
            if not crypto.is_token(value):
                counter["(not encrypted)"] += 1
            elif crypto.is_row_bound(value):
                counter[crypto.token_kid(value)] += 1
            else:
                counter[f"{crypto.token_kid(value)} (column-bound)"] += 1
