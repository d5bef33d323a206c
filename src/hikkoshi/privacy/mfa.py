"""Second-factor secrets encrypted at rest: allauth's MFA adapter with the portal's data keys.

The TOTP secret and the recovery-code seed of every staff member are as sensitive as a
password: a copied database must not give them away. They are stored as ``hk1:`` tokens bound to
``mfa_authenticator.secret`` (``hikkoshi keys rotate`` re-encrypts them with the rest). A value
stored before this adapter was used (plain base32) is still read, and encrypted when next saved.
"""

from allauth.mfa.adapter import DefaultMFAAdapter

from hikkoshi.encryption import crypto

CONTEXT = "mfa_authenticator.secret"
# The data keys of an authenticator that allauth encrypts through the adapter.
SECRET_KEYS = ("secret", "seed")


class EncryptingMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text.encode(), CONTEXT)

    def decrypt(self, encrypted_text: str) -> str:
        if not crypto.is_token(encrypted_text):
            return encrypted_text  # stored before secrets were encrypted
        return crypto.decrypt(encrypted_text, CONTEXT).decode()


def rotate_authenticators(report) -> None:
    """Re-encrypt second-factor secrets not under the first key (part of ``keys rotate``)."""
    from allauth.mfa.models import Authenticator
    from django.db import transaction

    ring = crypto.keyring()
    for pk in Authenticator.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            authenticator = Authenticator.objects.select_for_update().filter(pk=pk).first()
            if authenticator is None:
                continue
            data = dict(authenticator.data or {})
            changed = False
            for key in SECRET_KEYS:
                value = data.get(key)
                if not isinstance(value, str):
                    continue
                report.rows += 1
                if crypto.is_token(value) and crypto.token_kid(value) == ring.primary:
                    report.current += 1
                    continue
                try:
                    plain = ring.decrypt(value, CONTEXT) if crypto.is_token(value) else value.encode()
                except crypto.DecryptionError as exc:
                    report.failed.append(f"{CONTEXT} #{pk}: {type(exc).__name__}")
                    continue
                data[key] = ring.encrypt(plain, CONTEXT)
                report.rotated += 1
                changed = True
            if changed:
                Authenticator.objects.filter(pk=pk).update(data=data)


def key_counts(counts: dict) -> None:
    """Add the second-factor secrets to ``keys status``'s counts."""
    from collections import Counter

    from allauth.mfa.models import Authenticator

    counter = counts.setdefault(CONTEXT, Counter())
    for data in Authenticator.objects.values_list("data", flat=True):
        for key in SECRET_KEYS:
            value = (data or {}).get(key)
            if isinstance(value, str):
                counter[crypto.token_kid(value) if crypto.is_token(value) else "(not encrypted)"] += 1
