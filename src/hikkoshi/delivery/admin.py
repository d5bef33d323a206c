"""Deliveries in the admin: staff find failed and stuck ones and resend them or mark them
handled, each time with the reason recorded (an event of the delivery, with who did it)."""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol
import uuid

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

from hikkoshi import application_number
from hikkoshi.admin_paging import LargeTableAdmin
from hikkoshi.audit.services import Action, record
from hikkoshi.moves.constants import ProcedureStatus
from hikkoshi.moves.models import Move

from .models import Delivery, DeliveryEvent, Notice
from .notices import mark_notice_handled, resend_notice
from .services import mark_handled, resend

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

    _EventInlineBase = admin.TabularInline[DeliveryEvent, Delivery]
    _NoticeAdminBase = admin.ModelAdmin[Notice]
else:  # the admin's classes take no type arguments at run time
    _EventInlineBase = admin.TabularInline
    _NoticeAdminBase = admin.ModelAdmin


class AttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, "StrOrPromise"]]:
        return [
            ("failed", _("Failed")),
            ("stuck", _("Stuck (sending too long, or overdue)")),
            ("all", _("Failed or stuck")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        lease = timedelta(seconds=settings.HIKKOSHI_DELIVERY["lease"])
        old = timezone.now() - lease
        failed = Q(status=ProcedureStatus.FAILED)
        stuck = Q(status=ProcedureStatus.SENDING, sending_since__lt=old) | Q(
            status__in=[ProcedureStatus.QUEUED, ProcedureStatus.RETRYING], next_attempt_at__lt=old
        )
        chosen = {"failed": failed, "stuck": stuck, "all": failed | stuck}.get(self.value() or "")
        return queryset.filter(chosen) if chosen is not None else queryset


def answers_late(now: Any = None) -> Q:
    """Delivered applications whose organisation has not answered for longer than it may (処理状況):
    no final answer (done, refused), and no news — neither the delivery nor the latest answer —
    for more than the organisation's ``answer_wait_days`` (else ``HIKKOSHI_ANSWER_WAIT_DAYS``).
    A condition per distinct number of days (a handful), so the database compares plain dates."""
    from hikkoshi.directory.models import Organisation
    from hikkoshi.moves.constants import AnswerStatus

    now = now or timezone.now()
    default = settings.HIKKOSHI_ANSWER_WAIT_DAYS
    rows = Organisation.objects.filter(answer_wait_days__isnull=False).values_list("pk", "answer_wait_days")
    own: dict[int, int] = {pk: days for pk, days in rows if days is not None}
    organisation = "entry__version__procedure__organisation"

    def quiet_since(days: int) -> Q:
        before = now - timedelta(days=days)
        return Q(entry__answer_at__lt=before) | Q(entry__answer_at__isnull=True, delivered_at__lt=before)

    by_days: dict[int, list[int]] = {}
    for pk, days in own.items():
        by_days.setdefault(days, []).append(pk)
    late = Q(quiet_since(default), ~Q(**{f"{organisation}__in": list(own)}))
    for days, pks in by_days.items():
        late |= Q(quiet_since(days), **{f"{organisation}__in": pks})
    return Q(late, status=ProcedureStatus.DELIVERED, channel__in=("web", "email", "fax")) & ~Q(
        entry__answer_status__in=list(AnswerStatus.final())
    )


class AnswerFilter(admin.SimpleListFilter):
    """The organisations' answers (処理状況): those waiting too long, and those asking the mover
    for something."""

    title = _("organisation's answer")
    parameter_name = "answer"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, "StrOrPromise"]]:
        return [
            ("late", _("Waiting too long for an answer")),
            ("action_needed", _("Something is missing (the mover is to act)")),
            ("none", _("No answer yet")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "late":
            return queryset.filter(answers_late())
        if value == "action_needed":
            return queryset.filter(entry__answer_status="action_needed")
        if value == "none":
            return queryset.filter(status=ProcedureStatus.DELIVERED, entry__answer_status="")
        return queryset


class EventInline(_EventInlineBase):
    model = DeliveryEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "attempt", "code", "detail", "actor")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Recorded with the delivery, with your name and the time."),
    )


SEARCH_LIMIT = 1000  # deliveries sharing one reference number (there should be one)


class StaffAction[T: Model](Protocol):
    """``services.resend``, ``notices.mark_notice_handled``, …: True when it changed ``target``."""

    def __call__(self, target: T, /, *, user: "User | None", reason: str) -> bool: ...


def _with_reason[T: Model](
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[T],
    *,
    title: "StrOrPromise",
    action: str,
    apply: StaffAction[T],
    audit_action: str,
    move_of: Callable[[T], Move],
) -> TemplateResponse | None:
    """A staff action on the chosen rows, asking for the reason first (the form's page), then
    recording it with each row changed and one audit event each."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            chosen = queryset.count()  # before the change takes some out of a filtered list
            done = 0
            # Only staff reach the admin's actions: always signed in.
            user = request.user if request.user.is_authenticated else None
            rows: Iterable[T] = queryset.select_related("entry__move") if queryset.model is Delivery else queryset
            for d in rows:
                if apply(d, user=user, reason=form.cleaned_data["reason"]):
                    done += 1
                    record(
                        request,
                        action=audit_action,
                        move=move_of(d),
                        target=f"{queryset.model._meta.model_name} {d.pk}",
                        via="admin",
                    )
            skipped = chosen - done
            model_admin.message_user(
                request,
                ngettext("%(n)d delivery changed.", "%(n)d deliveries changed.", done) % {"n": done},
                messages.SUCCESS,
            )
            if skipped:
                model_admin.message_user(
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
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "deliveries": queryset,
        "action": action,
        "opts": model_admin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/delivery/delivery/reason.html", context)


@admin.register(Delivery)
class DeliveryAdmin(LargeTableAdmin):
    list_display = (
        "id",
        "procedure",
        "organisation",
        "channel",
        "status",
        "answer",
        "attempts",
        "error_code",
        "next_attempt_at",
        "created_at",
    )
    # A date filter by ranges (indexed) rather than a date hierarchy, which lists the distinct
    # years and months of every row.
    list_filter = (AttentionFilter, AnswerFilter, "status", "channel", ("created_at", admin.DateFieldListFilter))
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

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Delivery], search_term: str
    ) -> tuple[QuerySet[Delivery], bool]:
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    @admin.display(description=_("procedure"))
    def procedure(self, obj: Delivery) -> str:
        return obj.entry.version.name

    @admin.display(description=_("organisation"))
    def organisation(self, obj: Delivery) -> str:
        return obj.entry.version.procedure.organisation.name

    @admin.display(description=_("organisation's answer"))
    def answer(self, obj: Delivery) -> str:
        return obj.entry.get_answer_status_display() or "—"

    @admin.display(description=_("move"))
    def move(self, obj: Delivery) -> str | uuid.UUID:
        move = obj.entry.move
        return f"{move.number} ({move.public_id})" if move.number else move.public_id

    @admin.action(description=_("Send again (same idempotency key)"), permissions=["change"])
    def resend_action(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> TemplateResponse | None:
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Send again"),
            action="resend_action",
            apply=resend,
            audit_action=Action.RESEND,
            move_of=_move_of_delivery,
        )

    @admin.action(description=_("Mark handled"), permissions=["change"])
    def mark_handled_action(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> TemplateResponse | None:
        return _with_reason(
            self,
            request,
            queryset,
            title=_("Mark handled"),
            action="mark_handled_action",
            apply=mark_handled,
            audit_action=Action.HANDLED,
            move_of=_move_of_delivery,
        )


def _move_of_delivery(delivery: Delivery) -> Move:
    return delivery.entry.move


def _move_of_notice(notice: Notice) -> Move:
    return notice.delivery.entry.move


@admin.register(Notice)
class NoticeAdmin(_NoticeAdminBase):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notice | None = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Notice], bool]:
        number = application_number.parse(search_term)
        if number is None:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(delivery__entry__move__number=number), False

    @admin.display(description=_("application number"))
    def move_number(self, obj: Notice) -> str | uuid.UUID:
        return obj.delivery.entry.move.number or obj.delivery.entry.move.public_id

    @admin.display(description=_("procedure"))
    def procedure(self, obj: Notice) -> str:
        return obj.delivery.entry.version.name

    @admin.display(description=_("channel"))
    def channel(self, obj: Notice) -> str:
        return obj.delivery.channel

    @admin.action(description=_("Send again (same idempotency key)"), permissions=["change"])
    def resend_action(self, request: HttpRequest, queryset: QuerySet[Notice]) -> TemplateResponse | None:
        return _with_reason(
            self,
            request,
            queryset.select_related("delivery__entry__move"),
            title=_("Send again"),
            action="resend_action",
            apply=resend_notice,
            audit_action=Action.RESEND,
            move_of=_move_of_notice,
        )

    @admin.action(description=_("Mark handled"), permissions=["change"])
    def mark_handled_action(self, request: HttpRequest, queryset: QuerySet[Notice]) -> TemplateResponse | None:
        return _with_reason(
            self,
            request,
            queryset.select_related("delivery__entry__move"),
            title=_("Mark handled"),
            action="mark_handled_action",
            apply=mark_notice_handled,
            audit_action=Action.HANDLED,
            move_of=_move_of_notice,
        )
