"""The audit log in the admin: search by move, user, action, date; nothing can be changed."""

import ipaddress
import uuid

from django.contrib import admin
from django.db.models import Q

from hikkoshi import application_number
from hikkoshi.admin_paging import LargeTableAdmin
from hikkoshi.admin_readonly import ReadOnlyAdmin

from .models import AuditEvent
from .search import move_finders


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, LargeTableAdmin):
    list_display = ("at", "action", "role", "actor_id", "move", "target", "via", "ip")
    # Dates by ranges (indexed); a date hierarchy would list the distinct dates of every row.
    list_filter = ("action", "role", "via", ("at", admin.DateFieldListFilter))
    search_fields = ("target",)
    search_help_text = "A move's id or application number (申請番号), a user id, an address or a document name."
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        """Exact matches on the id fields, for whatever was typed (no error for a malformed id)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        query = Q(target=term)
        number = application_number.parse(term)
        if number is not None:  # a 申請番号 however it was typed: the events of its move
            for find in move_finders():
                query |= Q(move__in=find(number))
        try:
            query |= Q(move=uuid.UUID(term))
        except ValueError:
            pass
        if term.isdigit() and len(term) < 18:
            query |= Q(actor_id=int(term))
        try:
            query |= Q(ip=str(ipaddress.ip_address(term)))
        except ValueError:
            pass
        return queryset.filter(query), False
