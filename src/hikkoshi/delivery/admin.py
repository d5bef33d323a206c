"""Deliveries in the admin: staff find failed and stuck ones and resend them or mark them
handled, each time with the reason recorded (an event of the delivery, with who did it)."""

from datetime import timedelta
import uuid

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

from hikkoshi import application_number
from hikkoshi.admin_paging import LargeTableAdmin
from hikkoshi.audit.services import Action, record
from hikkoshi.moves.constants import EntryStatus
from hikkoshi.moves.models import Move

from .models import Delivery, DeliveryEvent, Notice
from .notices import mark_notice_handled, resend_notice
from .services import mark_handled, resend


class AttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("failed", _("Failed")),
            ("stuck", _("Stuck (sending too long, or overdue)")),
            ("all", _("Failed or stuck")),
        ]

    def queryset(self, request, queryset):
        lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
        old = timezone.now() - lease
        failed = Q(status=EntryStatus.FAILED)
        stuck = Q(status=EntryStatus.SENDING, sending_since__lt=old) | Q(
            status__in=[EntryStatus.QUEUED, EntryStatus.RETRYING], next_attempt_at__lt=old
        )
        chosen = {"failed": failed, "stuck": stuck, "all": failed | stuck}.get(self.value())
        return queryset.filter(chosen) if chosen is not None else queryset


class EventInline(admin.TabularInline):
    model = DeliveryEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "attempt", "code", "detail", "actor")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Recorded with the delivery, with your name and the time."),
    )


SEARCH_LIMIT = 1000  # deliveries sharing one reference number (there should be one)


@admin.register(Delivery)
class DeliveryAdmin(LargeTableAdmin):
    list_display = (
        "id",
        "procedure",
        "organisation",
        "channel",
        "status",
        "attempts",
        "error_code",
        "next_attempt_at",
        "created_at",
    )
    # A date filter by ranges (indexed) rather than a date hierarchy, which lists the distinct
    # years and months of every row.
    list_filter = (AttentionFilter, "status", "channel", ("created_at", admin.DateFieldListFilter))
    search_fields = ("reference",)  # exact; see get_search_results
    search_help_text = _(
        "An application number (申請番号, typed in any form), a reference, an idempotency key or a move's id."
    )
    list_select_related = ("entry__version__procedure__organisation",)
    readonly_fields = [f.name for f in Delivery._meta.fields] + ["procedure", "organisation", "move"]
    fields = (
        "move",
        "procedure",
        "organisation",
        "channel",
        "status",
        "attempts",
        "idempotency_key",
        "created_at",
        "retry_from",
        "next_attempt_at",
        "sending_since",
        "delivered_at",
        "reference",
        "message_id",
        "receipt",
        "error_code",
        "error_detail",
        "handled_by",
        "handled_at",
        "handled_reason",
    )
    inlines = [EventInline]
    actions = ["resend_action", "mark_handled_action"]

    def get_search_results(self, request, queryset, search_term):
        """Exact, indexed matches only: the delivery's number, its reference, a move's public id
        or application number (申請番号, however it was typed: with or without the hyphen,
        spaces, lower case, full-width) or the idempotency key; no error for anything else.
        Each is looked up on its own index and the list narrowed to the deliveries found (an
        ``OR`` across the join to the moves would make the database read every delivery)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = list(Delivery.objects.filter(reference=term).values_list("pk", flat=True)[:SEARCH_LIMIT])
        if term.isdigit() and len(term) < 18:
            found.append(int(term))
        number = application_number.parse(term)
        if number is not None:
            move = Move.objects.filter(number=number).values_list("pk", flat=True).first()
            if move is not None:
                found += Delivery.objects.filter(entry__move_id=move).values_list("pk", flat=True)
        try:
            key = uuid.UUID(term)
        except ValueError:
            pass
        else:
            found += Delivery.objects.filter(idempotency_key=key).values_list("pk", flat=True)
            move = Move.objects.filter(public_id=key).values_list("pk", flat=True).first()
            if move is not None:
                found += Delivery.objects.filter(entry__move_id=move).values_list("pk", flat=True)
        return queryset.filter(pk__in=found), False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("procedure"))
    def procedure(self, obj):
        return obj.entry.version.name

    @admin.display(description=_("organisation"))
    def organisation(self, obj):
        return obj.entry.version.procedure.organisation.name

    @admin.display(description=_("move"))
    def move(self, obj):
        move = obj.entry.move
        return f"{move.number} ({move.public_id})" if move.number else move.public_id

    def _with_reason(self, request, queryset, *, title, action, apply, audit_action, move_of=None):
        move_of = move_of or (lambda d: d.entry.move)
        if "apply" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                chosen = queryset.count()  # before the change takes some out of a filtered list
                done = 0
                for d in queryset.select_related("entry__move") if queryset.model is Delivery else queryset:
                    if apply(d, user=request.user, reason=form.cleaned_data["reason"]):
                        done += 1
                        record(
                            request,
                            action=audit_action,
                            move=move_of(d),
                            target=f"{queryset.model._meta.model_name} {d.pk}",
                            via="admin",
                        )
                skipped = chosen - done
                self.message_user(
                    request,
                    ngettext("%(n)d delivery changed.", "%(n)d deliveries changed.", done) % {"n": done},
                    messages.SUCCESS,
                )
                if skipped:
                    self.message_user(
                        request,
                        ngettext(
                            "%(n)d delivery was left as it is (its status does not allow it).",
                            "%(n)d deliveries were left as they are (their status does not allow it).",
                            skipped,
                        )
                        % {"n": skipped},
                        messages.WARNING,
                    )
                return None
        else:
            form = ReasonForm()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "deliveries": queryset,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/delivery/delivery/reason.html", context)

    @admin.action(description=_("Send again (same idempotency key)"), permissions=["change"])
    def resend_action(self, request, queryset):
        return self._with_reason(
            request, queryset, title=_("Send again"), action="resend_action", apply=resend, audit_action=Action.RESEND
        )

    @admin.action(description=_("Mark handled"), permissions=["change"])
    def mark_handled_action(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            title=_("Mark handled"),
            action="mark_handled_action",
            apply=mark_handled,
            audit_action=Action.HANDLED,
        )


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """Withdrawals and corrections (取下げ・訂正) on their way: staff find the failed ones and send
    them again or mark them handled, with the reason recorded (an event of the delivery)."""

    list_display = (
        "id",
        "kind",
        "status",
        "move_number",
        "procedure",
        "channel",
        "attempts",
        "error_code",
        "created_at",
    )
    list_filter = ("status", "kind")
    list_select_related = ("delivery__entry__move", "delivery__entry__version")
    search_help_text = _("An application number (申請番号, typed in any form).")
    search_fields = ("=reference",)
    readonly_fields = [f.name for f in Notice._meta.fields] + ["move_number", "procedure", "channel"]
    actions = ["resend_action", "mark_handled_action"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        number = application_number.parse(search_term)
        if number is None:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(delivery__entry__move__number=number), False

    @admin.display(description=_("application number"))
    def move_number(self, obj):
        return obj.delivery.entry.move.number or obj.delivery.entry.move.public_id

    @admin.display(description=_("procedure"))
    def procedure(self, obj):
        return obj.delivery.entry.version.name

    @admin.display(description=_("channel"))
    def channel(self, obj):
        return obj.delivery.channel

    def _with_reason(self, request, queryset, *, title, action, apply, audit_action):
        return DeliveryAdmin._with_reason(
            self,
            request,
            queryset.select_related("delivery__entry__move"),
            title=title,
            action=action,
            apply=apply,
            audit_action=audit_action,
            move_of=lambda n: n.delivery.entry.move,
        )

    @admin.action(description=_("Send again (same idempotency key)"), permissions=["change"])
    def resend_action(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            title=_("Send again"),
            action="resend_action",
            apply=resend_notice,
            audit_action=Action.RESEND,
        )

    @admin.action(description=_("Mark handled"), permissions=["change"])
    def mark_handled_action(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            title=_("Mark handled"),
            action="mark_handled_action",
            apply=mark_notice_handled,
            audit_action=Action.HANDLED,
        )
