from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Federation of moving portals (ポータル間連携)."""

    name = "hikkoshi.federation"
    verbose_name = _("Partner portals")
