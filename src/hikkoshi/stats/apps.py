from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "hikkoshi.stats"
    verbose_name = _("Usage statistics")

    def ready(self) -> None:
        from django.contrib import admin

        from hikkoshi.delivery.periodic import Job, register

        from . import receivers
        from .counting import flush_job

        receivers.connect()
        receivers.connect_survey()
        # The admin's index links to the dashboard (/admin/stats/ is not a model's page): its
        # own template around the app list, unless the project chose another.
        if admin.site.index_template is None:
            admin.site.index_template = "stats/admin_index.html"
        # The worker writes what it counted itself (deliveries, fax pages) and prunes old hourly rows.
        register(Job("stats", flush_job, done="wrote {n} statistics row(s)", failed="statistics not written", every=30))
