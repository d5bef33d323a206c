from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiverConfig(AppConfig):
    name = "hikkoshi.receiver"
    verbose_name = _("Receiver")
