from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MovesConfig(AppConfig):
    name = "hikkoshi.moves"
    verbose_name = _("Moves")
