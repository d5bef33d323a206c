from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "hikkoshi.privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from hikkoshi.delivery.periodic import Job, register
        from hikkoshi.encryption import crypto

        from . import mfa
        from .services import erase_expired

        # Second-factor secrets are bound to their authenticator's row (``mfa``).
        mfa.connect()

        # Where keys are never made (production), a missing or malformed key stops start-up
        # here rather than at the first page that reads a move.
        if not getattr(settings, "HIKKOSHI_DATA_KEY_CREATE", True):
            try:
                crypto.keyring()
            except crypto.KeyConfigurationError as exc:
                raise ImproperlyConfigured(f"hikkoshi data keys: {exc}") from None
        # ``hikkoshi worker`` erases what is past its retention time about once an hour.
        register(Job("privacy", erase_expired, done="erased the personal data of {n} move(s)", failed="erasure failed"))
