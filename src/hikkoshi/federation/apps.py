from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Federation of moving portals (ポータル間連携)."""

    name = "hikkoshi.federation"
    verbose_name = _("Partner portals")

    def ready(self):
        from hikkoshi.delivery.periodic import Job, register
        from hikkoshi.moves.review_sections import register_review_section

        from .handoffs import erase_expired_handoffs
        from .pull import EVERY, pull_job
        from .review import handoff_section
        from .signin import delete_expired_tokens

        # The review page offers the hand-over to the partner portal serving the new address.
        register_review_section(handoff_section)

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
