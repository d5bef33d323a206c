from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "hikkoshi.delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from hikkoshi.moves.notices import register_notice_source

        from . import channels, checks, receivers  # noqa: F401  (registers the channels, checks, receivers)
        from .notices import notice_views
        from .periodic import Job, register
        from .services import prune_task_results

        # moves shows the withdrawals and corrections on the result page without importing us.
        register_notice_source(notice_views)
        register(Job("tasks", prune_task_results, done="deleted {n} finished task result(s)", failed="pruning failed"))
