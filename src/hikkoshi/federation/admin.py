"""Partner portals in the admin: shown, never edited there (``hikkoshi federation peer …``
pins and removes them, so a thumbprint is typed where the operator compares it)."""

from django.contrib import admin

from hikkoshi.admin_paging import LargeTableAdmin
from hikkoshi.admin_readonly import ReadOnlyAdmin

from .models import Handoff, OutgoingHandoff, Peer, TransferRecord


@admin.register(Peer)
class PeerAdmin(ReadOnlyAdmin):
    list_display = [
        "slug",
        "name",
        "base_url",
        "adapter",
        "served_areas",
        "document_verified_at",
        "failures",
        "skipped_until",
    ]
    search_fields = ["slug", "name"]
    fields = [
        "slug",
        "name",
        "base_url",
        "adapter",
        "thumbprints",
        "areas",
        "served_areas",
        "rate_per_minute",
        "document_verified_at",
        "keys",
        "document",
        "failures",
        "skipped_until",
        "last_error",
        "created_at",
    ]


@admin.register(TransferRecord)
class TransferRecordAdmin(ReadOnlyAdmin, LargeTableAdmin):
    """The records of transfers to and from peers (個人情報保護法 Art. 29/30), for an inquiry or
    the Commission: shown, never changed; they go when their 3 years end."""

    list_display = ["at", "direction", "peer_slug", "peer_name", "person", "consent_at", "keep_until"]
    # Dates by ranges (indexed), as the audit log: a date hierarchy would list every distinct date.
    list_filter = ["direction", "peer_slug", ("at", admin.DateFieldListFilter)]
    search_fields = ["person", "reference", "=move_public_id"]
    fields = [
        "at",
        "direction",
        "peer_slug",
        "peer_name",
        "person",
        "move_public_id",
        "items",
        "consent_at",
        "policy_sha256",
        "reference",
        "keep_until",
    ]


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    """Hand-overs received: states and consent only (the data set is never shown here)."""

    list_display = ["offered_at", "origin", "state", "expires_at", "finished_at"]
    list_filter = ["state", "origin"]
    fields = ["origin", "state", "offered_at", "expires_at", "finished_at", "subject", "consent_at", "items"]


@admin.register(OutgoingHandoff)
class OutgoingHandoffAdmin(ReadOnlyAdmin):
    """Hand-overs sent: states and consent only (never the continue URL or what was sent)."""

    list_display = ["consent_at", "peer", "state", "error", "remote_id"]
    list_filter = ["state", "peer"]
    fields = ["peer", "state", "error", "remote_id", "user_id", "consent_at", "policy_sha256", "items", "subject"]
