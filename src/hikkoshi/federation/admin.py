"""Partner portals in the admin: shown, never edited there (``hikkoshi federation peer …``
pins and removes them, so a thumbprint is typed where the operator compares it)."""

from django.contrib import admin

from hikkoshi.admin_readonly import ReadOnlyAdmin

from .models import Peer


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
