from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Federation of moving portals (ポータル間連携)."""

    name = "hikkoshi.federation"
    verbose_name = _("Partner portals")

    def ready(self):
        from hikkoshi.delivery.periodic import Job, register

        from .pull import EVERY, pull_job

        # ``hikkoshi worker`` copies the partners' directories every 15 minutes.
        register(
            Job(
                "federation",
                pull_job,
                done="copied the directories of {n} partner portal(s)",
                failed="pulling the partners' directories failed",
                every=EVERY,
            )
        )
