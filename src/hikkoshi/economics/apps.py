from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomicsConfig(AppConfig):
    name = "hikkoshi.economics"
    verbose_name = _("Business model")
