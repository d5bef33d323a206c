from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistedConfig(AppConfig):
    """Applications entered for someone else (代行申請): call centres and estate agencies."""

    name = "hikkoshi.assisted"
    verbose_name = _("Call centres and estate agencies")

    def ready(self):
        from . import receivers  # noqa: F401
