from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "hikkoshi.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from hikkoshi.delivery.periodic import Job, register

        from . import receivers  # noqa: F401  (connects the receivers)
        from .bounces import erase_kept
        from .services import sweep

        # Mails whose worker was lost, or whose task is gone: queued again (the same key, the
        # same Message-ID). The worker runs it with its other periodic jobs.
        register(Job("notifications", sweep, done="{n} notification(s) queued again", failed="sweep failed", every=10))
        # Returned mails kept for the administrator may quote an address: erased after their days.
        register(
            Job(
                "bounces",
                erase_kept,
                done="erased {n} kept returned mail(s)",
                failed="erasing kept returned mails failed",
            )
        )
