"""お知らせ (the signed-in mover's inbox) and the notification settings linked from the account page."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .bounces import is_undeliverable
from .messages import compose
from .models import Notification, Preference, Status
from .services import reschedule_reminders


def inbox_rows(user_id: int | None) -> QuerySet[Notification]:
    """The mover's notifications already due (a reminder shows on its day), newest first."""
    return (
        Notification.objects.filter(move__owner_id=user_id, due_at__lte=timezone.now(), move__assisted__isnull=True)
        .exclude(status=Status.CANCELLED)
        .select_related("move", "procedure__version")
    )


def unread_count(user_id: int | None) -> int:
    """How many of the mover's お知らせ they have not opened (the site's header shows it)."""
    return inbox_rows(user_id).filter(read_at__isnull=True).count()


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    rows = inbox_rows(request.user.pk)
    if request.method == "POST":  # 「すべて既読にする」
        rows.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications:inbox")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    entries = [{"n": n, "message": compose(n)} for n in page]
    unread = rows.filter(read_at__isnull=True).count()
    return render(request, "notifications/inbox.html", {"page": page, "entries": entries, "unread": unread})


@login_required
@never_cache
@require_http_methods(["GET"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One お知らせ, opened: from now on it is read."""
    notification = get_object_or_404(inbox_rows(request.user.pk), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    context = {"n": notification, "message": compose(notification)}
    return render(request, "notifications/detail.html", context)


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["confirmation", "action", "summary", "reminders", "language", "lead_days"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # One message for any number out of range, naming the range (not the model's "0 or more").
        self.fields["lead_days"].validators = []

    def clean_lead_days(self) -> int:
        value = self.cleaned_data["lead_days"]
        if not 1 <= value <= 14:
            raise forms.ValidationError(_("Days ahead for reminders: a number from 1 to 14."))
        return int(value)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    preference = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)  # type: ignore[misc]
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            reschedule_reminders(saved.user_id, saved.lead_days)
        flash.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    # The error summary at the top, as on every other form: each error a link to its field.
    summary = [{"href": "", "label": "", "message": m} for m in form.non_field_errors()] + [
        {"href": f"#{field.auto_id}", "label": field.label, "message": m} for field in form for m in field.errors
    ]
    context = {
        "form": form,
        "summary": summary,
        "focus_summary": bool(summary),
        "address_bounced": is_undeliverable(getattr(request.user, "email", "") or ""),
    }
    return render(request, "notifications/preferences.html", context, status=400 if form.errors else 200)
