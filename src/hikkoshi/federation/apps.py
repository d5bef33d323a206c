from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Federation of moving portals (ポータル間連携)."""

    name = "hikkoshi.federation"
    verbose_name = _("Partner portals")

    def ready(self):
        from hikkoshi.delivery.periodic import Job, register

        from .handoffs import erase_expired_handoffs

        # ``hikkoshi worker`` erases the hand-overs nobody claimed before they expired, hourly.
        register(
            Job(
                "federation",
                erase_expired_handoffs,
                done="erased {n} expired hand-over(s)",
                failed="erasure of expired hand-overs failed",
            )
        )
