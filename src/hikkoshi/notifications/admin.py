"""Notifications in the admin: what was mailed, what failed and why (codes, never the text),
and staff resending a failed one."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import BouncedAddress, Notification
from .services import resend

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[Notification]
else:
    _Base = admin.ModelAdmin


@admin.register(Notification)
class NotificationAdmin(_Base):
    list_display = ["id", "kind", "status", "due_at", "attempts", "sent_at", "error_code"]
    list_filter = ["status", "kind", ("bounced_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "message_id"]
    date_hierarchy = "due_at"
    exclude = ["details"]  # the organisation's words to the mover: personal data
    readonly_fields = [
        "move", "procedure", "kind", "key", "status", "due_at", "topic", "attempts", "retry_from",
        "sending_since", "data_at", "sent_at", "message_id", "language", "error_code", "error_detail",
        "read_at", "task_id", "bounced_at",
    ]  # fmt: skip
    actions = ["resend_failed"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Mail the failed ones again"))
    def resend_failed(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        n = sum(1 for notification in queryset if resend(notification))
        self.message_user(request, _("%(n)d notification(s) queued again.") % {"n": n}, messages.SUCCESS)


if TYPE_CHECKING:
    _BouncedBase = admin.ModelAdmin[BouncedAddress]
else:
    _BouncedBase = admin.ModelAdmin


@admin.register(BouncedAddress)
class BouncedAddressAdmin(_BouncedBase):
    """Addresses a notification bounced from for good (a digest, not the address): deleting one
    has the notifications mailed to it again."""

    list_display = ["id", "status", "bounced_at", "notification"]
    readonly_fields = ["notification", "status", "bounced_at"]
    date_hierarchy = "bounced_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
