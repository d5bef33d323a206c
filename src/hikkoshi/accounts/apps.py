from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_tables(sender, using="default", **kwargs):
    """After every ``migrate`` (and test database set-up): the table of each database cache.

    ``createcachetable`` makes only the tables that are missing, so running it again is cheap
    and safe; ``make demo``, the tests and a production ``migrate`` all get the table.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class AccountsConfig(AppConfig):
    name = "hikkoshi.accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth import get_user_model

        from . import signals

        signals.connect_membership_signals()
        from .access import roles_of

        # The audit log asks a user for the roles they act in (hikkoshi.audit.services.role_of).
        user_model = get_user_model()
        if not hasattr(user_model, "hikkoshi_roles"):
            user_model.hikkoshi_roles = roles_of

        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="hikkoshi.accounts.cache_tables")
