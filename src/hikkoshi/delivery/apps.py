from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "hikkoshi.delivery"
    verbose_name = _("Delivery")

    def ready(self):
        from . import channels, checks  # noqa: F401  (registers the channels and the checks)
