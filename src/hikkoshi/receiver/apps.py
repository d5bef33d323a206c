from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiverConfig(AppConfig):
    name = "hikkoshi.receiver"
    verbose_name = _("Receiver")

    def ready(self) -> None:
        from django.core.checks import register

        from .styles import tokens_built

        register(tokens_built)
