from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistedConfig(AppConfig):
    """Applications entered for someone else (代行申請): call centres and estate agencies."""

    name = "hikkoshi.assisted"
    verbose_name = _("Call centres and estate agencies")

    def ready(self):
        from hikkoshi.moves.access import register_entered_for, register_visibility
        from hikkoshi.moves.limits import register_quota

        from . import receivers  # noqa: F401
        from .access import ENTERED_FOR, staff_conditions
        from .limits import submission_quota

        # moves imports no app above it: it asks this app which moves were entered for a
        # customer (and their record), who else sees a move, and how a move entered for a
        # customer is counted against the submission limits.
        register_entered_for(ENTERED_FOR)
        register_visibility(staff_conditions)
        register_quota(submission_quota)
