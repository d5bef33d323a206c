from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Federation of moving portals (ポータル間連携)."""

    name = "hikkoshi.federation"
    verbose_name = _("Partner portals")

    def ready(self):
        from allauth.account.signals import user_logged_in

        from hikkoshi.delivery.periodic import Job, register

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .handoffs import erase_expired_handoffs
        from .pull import EVERY, pull_job
        from .signin import delete_expired_tokens, remember_subject_at_login

        # A mover signed in through a partner portal's provider: the subject it named, for the claim.
        user_logged_in.connect(remember_subject_at_login, dispatch_uid="federation-signin-subject")

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
        # … and erases the hand-overs nobody claimed before they expired, hourly.
        register(
            Job(
                "federation-handoffs",
                erase_expired_handoffs,
                done="erased {n} expired hand-over(s)",
                failed="erasure of expired hand-overs failed",
            )
        )
        # … and the expired tokens its OpenID Connect provider gave partner portals.
        register(
            Job(
                "federation-signin",
                delete_expired_tokens,
                done="deleted {n} expired sign-in token(s)",
                failed="deleting expired sign-in tokens failed",
            )
        )
