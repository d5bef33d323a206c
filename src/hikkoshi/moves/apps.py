from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MovesConfig(AppConfig):
    name = "hikkoshi.moves"
    verbose_name = _("Moves")

    def ready(self):
        from hikkoshi.audit.search import register_move_finder

        from .selectors import public_ids_numbered

        # The audit log (below moves) finds a move's events by its 申請番号 through this.
        register_move_finder(public_ids_numbered)
