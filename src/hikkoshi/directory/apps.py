from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "hikkoshi.directory"
    verbose_name = _("Directory of organisations")

    def ready(self):
        from . import signals

        signals.connect()
