from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class EconomicsConfig(AppConfig):
    name = "hikkoshi.economics"
    verbose_name = _("Business model")

    def ready(self) -> None:
        # ``hikkoshi stats report``: the evaluation report, an action of the statistics' command
        # given from here (the statistics may not import the business model).
        if apps.is_installed("hikkoshi.stats"):
            from hikkoshi.stats.actions import Action, register

            from . import evaluation_command

            register(
                Action("report", evaluation_command.HELP, evaluation_command.add_arguments, evaluation_command.run)
            )
