from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    """Federation of moving portals (ポータル間連携)."""

    name = "hikkoshi.federation"
    verbose_name = _("Partner portals")

    def ready(self):
        from allauth.account.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from hikkoshi.delivery.periodic import Job, register
        from hikkoshi.directory.selectors import add_live_source, add_served_areas_source
        from hikkoshi.moves.review_sections import register_review_section

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .handoffs import erase_expired_handoffs
        from .live import live_matches, served_areas
        from .models import Peer
        from .pull import EVERY, pull_job
        from .review import handoff_section
        from .signin import delete_expired_tokens, remember_subject_at_login

        # A mover signed in through a partner portal's provider: the subject it named, for the claim.
        user_logged_in.connect(remember_subject_at_login, dispatch_uid="federation-signin-subject")

        # The review page offers the hand-over to the partner portal serving the new address.
        register_review_section(handoff_section)

        # The organisation search asks the peers that offer only a search per place.
        add_live_source(live_matches)
        add_served_areas_source(served_areas)
        for signal in (post_save, post_delete):
            signal.connect(_peers_changed, sender=Peer, dispatch_uid=f"federation-live-peers-{signal is post_save}")

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


def _peers_changed(instance, **_kwargs):
    """A peer added, changed or removed in this process: which are asked live is read again
    (other processes see it within ``live.PEERS_CHECK_INTERVAL``); the peers' revision is
    renewed (``middleware.partner_origins``); for an adapter's peer the directory's index is
    rebuilt everywhere (where a live peer serves, its entries win)."""
    from hikkoshi.directory.signals import bump_revision

    from .live import forget_peers
    from .middleware import bump_peer_revision

    forget_peers()
    bump_peer_revision()
    if instance.adapter:
        bump_revision()
