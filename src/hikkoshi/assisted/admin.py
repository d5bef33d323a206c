"""Agencies, call centres and their people in the admin.

The portal's administrators admit, suspend and remove agencies (actions of the list; suspending
takes effect at once: the agency's staff lose access to its moves, are signed out at their next
page and refused at sign-in, and their API tokens stop working); they add stores, managers and
operators. Moves entered for customers and the monthly counts are shown, never changed here.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _, ngettext

from hikkoshi import application_number
from hikkoshi.admin_readonly import ReadOnlyAdmin
from hikkoshi.audit.services import record

from . import services
from .models import Agency, AgencyMember, AssistedMove, BillingCount, CallCentre, Operator, Store


class StoreInline(admin.TabularInline):
    model = Store
    extra = 0


class MemberInline(admin.TabularInline):
    model = AgencyMember
    extra = 0
    fields = ("user", "role", "store", "active", "created_at", "removed_at")
    readonly_fields = ("created_at", "removed_at")
    autocomplete_fields = ("user",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store":
            agency_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Store.objects.filter(agency_id=agency_id) if agency_id else Store.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _status_action(status: str, label, done):
    def action(modeladmin, request, queryset):
        changed = 0
        for agency in queryset:
            if services.set_agency_status(agency, status):
                changed += 1
        modeladmin.message_user(request, done(changed), messages.SUCCESS)

    action.__name__ = f"make_{status}"
    action.short_description = label  # type: ignore[attr-defined]  # the admin's label of an action
    return action


admit = _status_action(
    Agency.Status.ADMITTED,
    _("Admit the chosen agencies"),
    lambda n: ngettext("%d agency admitted.", "%d agencies admitted.", n) % n,
)
suspend = _status_action(
    Agency.Status.SUSPENDED,
    _("Suspend the chosen agencies (their staff lose access at once)"),
    lambda n: ngettext("%d agency suspended.", "%d agencies suspended.", n) % n,
)
remove = _status_action(
    Agency.Status.REMOVED,
    _("Remove the chosen agencies"),
    lambda n: ngettext("%d agency removed.", "%d agencies removed.", n) % n,
)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "status_changed_at", "created_at")
    list_filter = ("status",)
    search_fields = ("name",)
    readonly_fields = ("status", "status_changed_at", "created_at", "updated_at")
    inlines = [StoreInline, MemberInline]
    actions = [admit, suspend, remove]

    def has_delete_permission(self, request, obj=None):
        return False  # an agency is removed (its moves and counts stay), not deleted


class OperatorInline(admin.TabularInline):
    model = Operator
    extra = 0
    fields = ("user", "active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)


@admin.register(CallCentre)
class CallCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name",)
    inlines = [OperatorInline]


@admin.register(AgencyMember)
class AgencyMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "store", "role", "active", "created_at", "removed_at")
    list_filter = ("role", "active", "agency__status")
    search_fields = ("user__email", "agency__name", "store__name")
    autocomplete_fields = ("user",)


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    list_display = ("user", "centre", "active", "created_at")
    list_filter = ("active", "centre")
    search_fields = ("user__email", "centre__name")
    autocomplete_fields = ("user",)


@admin.register(AssistedMove)
class AssistedMoveAdmin(ReadOnlyAdmin):
    """Read only: who a move was entered for and how the customer agreed. Opening one is
    recorded in the audit log (it shows the customer's name)."""

    list_display = (
        "created_at",
        "kind",
        "centre",
        "agency",
        "store",
        "customer",
        "entered_by",
        "consent_method",
        "consent_at",
    )
    list_filter = ("kind", "consent_method", "agency", "centre")
    search_fields = ("move__number",)
    search_help_text = _("An application number (申請番号), typed in any form.")
    fields = (
        "move_id_text",
        "kind",
        "centre",
        "agency",
        "store",
        "entered_by",
        "customer",
        "consent_method",
        "consent_version",
        "consent_recorded_by",
        "consent_at",
        "phone_confirmed_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("customer"))
    def customer(self, obj):
        return obj.customer_name  # escaped by the admin like any value

    @admin.display(description=_("move"))
    def move_id_text(self, obj):
        move = obj.move
        return f"{move.number} ({move.public_id})" if move.number else str(move.public_id)

    def get_search_results(self, request, queryset, search_term):
        """The move with that 申請番号, however it was typed; nothing for anything else (the
        customer's name is encrypted and not searched here)."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(move__number=application_number.parse(search_term) or "-"), False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("move", "centre", "agency", "store", "entered_by")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            record(request, action="view", move=obj.move, target="admin", via="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        """The list shows customers' names too: each move on the page shown is recorded."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if changelist is not None and getattr(response, "status_code", 200) == 200:
            for obj in changelist.result_list:
                record(request, action="view", move=obj.move, target="admin list", via="admin")
        return response


@admin.register(BillingCount)
class BillingCountAdmin(ReadOnlyAdmin):
    """Read only: the monthly counts are kept by the moves entered, never edited by hand."""

    list_display = ("month", "agency", "store", "count")
    list_filter = ("agency", "month")
