from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "hikkoshi.stats"
    verbose_name = _("Usage statistics")

    def ready(self) -> None:
        from hikkoshi.delivery.periodic import Job, register

        from . import receivers
        from .counting import flush_job

        receivers.connect()
        receivers.connect_survey()
        # The worker writes what it counted itself (deliveries, fax pages) and prunes old hourly rows.
        register(Job("stats", flush_job, done="wrote {n} statistics row(s)", failed="statistics not written", every=30))
