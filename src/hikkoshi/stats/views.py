"""The administrators' statistics page (利用統計): a chosen event by day over a period, as an
SVG bar chart drawn on the server (readable without JavaScript) with its data table beneath,
the period's totals, and the same figures as CSV. Staff only (``admin.site.admin_view``; under
/admin/, so the staff's second factor applies)."""

import csv
from datetime import timedelta
import re
import unicodedata

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hikkoshi.charts import bar_chart
from hikkoshi.moves.access import OWN, move_visible_to
from hikkoshi.moves.views.shared import error_summary
from hikkoshi.periods import within

from .labels import CSV_HEADERS, event_label, figure_label
from .selectors import MAX_DAYS, TOTALS, daily_series, period_totals, survey_results
from .survey import SurveyForm, answer_of, may_answer, survey_answer

EVENTS = sorted({event for event, _dims in TOTALS.values()})
# The evaluation report's PDF (実証評価レポート): made by an app above this one
# (``hikkoshi.economics.evaluation``), routed by the project's URLs under this name. Without it
# the dashboard shows no button.
REPORT_URL_NAME = "stats-report"


class PeriodForm(forms.Form):
    event = forms.ChoiceField(label=_("event"), choices=[(e, event_label(e)) for e in EVENTS], initial="visit")
    start = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.CharField(
        label=_("municipality code"),
        required=False,
        max_length=5,
        # The sentence under the filter says what it filters: a code that matches nothing shows
        # zeros, which would otherwise read as "nothing happened there".
        help_text=format_lazy(
            "{} {}",
            _("A prefecture (01) or a municipality (01101); empty: everywhere."),
            _(
                "Only the events counted with a place are filtered: provider searches and submitted "
                "moves. Visits, deliveries, hand-overs and sign-ins have no place and count 0 with a code."
            ),
        ),
    )
    simulated = forms.BooleanField(label=_("include simulated figures"), required=False, initial=True)

    def clean_region(self) -> str:
        # Full-width digits (０１) as typed on a Japanese keyboard are the same code.
        region = unicodedata.normalize("NFKC", self.cleaned_data.get("region") or "").strip()
        if region and not re.fullmatch(r"[0-9]{2}|[0-9]{5}", region):
            raise forms.ValidationError(_("A prefecture code of 2 digits or a municipality code of 5 digits."))
        return region

    def _clean_day(self, name: str) -> None:
        day = self.cleaned_data.get(name)
        if day is not None and not within(day):
            self.add_error(name, _("A day from 2000-01-01 to 2099-12-31."))
            self.cleaned_data[name] = None

    def clean(self):
        data = super().clean()
        self._clean_day("start")
        self._clean_day("end")
        if self.errors:
            return data
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            self.add_error("start", _("The start of the period must not be after its end."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("start", _("A period of at most 366 days."))
        data["start"], data["end"] = start, end
        return data


def requested_period(request) -> tuple[PeriodForm, dict | None]:
    params = request.GET.copy()
    if "event" not in params:
        params.update({"event": "visit", "simulated": "on"})
    form = PeriodForm(params)
    return form, (form.cleaned_data if form.is_valid() else None)


def report_url() -> str | None:
    """Where the evaluation report's PDF is made, or None when no app makes it."""
    try:
        return reverse(REPORT_URL_NAME)
    except NoReverseMatch:
        return None


def dashboard(request):
    form, period = requested_period(request)
    context: dict = {"form": form, "title": _("Usage statistics"), "report_url": report_url()}
    status = 200
    if period is None:
        status = 400
    else:
        region = period["region"] or None
        series = daily_series(
            period["event"], period["start"], period["end"], region=region, include_simulated=period["simulated"]
        )
        totals = period_totals(period["start"], period["end"], region=region, include_simulated=period["simulated"])
        measured = period_totals(period["start"], period["end"], region=region, include_simulated=False)
        context.update(
            period=period,
            series=series,
            event_label=event_label(period["event"]),
            chart=bar_chart(
                [(f"{day:%Y-%m-%d}", n) for day, n in series],
                labelledby="chart-title",
                title=_("Count by day"),
                x_label=_("day"),
                y_label=_("count"),
            ),
            series_total=sum(n for _d, n in series),
            totals=[(figure_label(name), totals[name], totals[name] - measured[name]) for name in TOTALS],
            has_simulated=any(totals[name] != measured[name] for name in TOTALS),
            csv_query=request.GET.urlencode(),
            survey=survey_results(period["start"], period["end"], include_simulated=period["simulated"]),
        )
    return render(request, "stats/dashboard.html", context, status=status)


def export_csv(request):
    form, period = requested_period(request)
    if period is None:
        return HttpResponse(
            "\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    region = period["region"] or None
    measured = dict(
        daily_series(period["event"], period["start"], period["end"], region=region, include_simulated=False)
    )
    series = daily_series(
        period["event"], period["start"], period["end"], region=region, include_simulated=period["simulated"]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="hikkoshi-{period["event"]}-{period["start"]}-{period["end"]}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_HEADERS)
    label = event_label(period["event"])
    for day, n in series:
        writer.writerow([day.isoformat(), label, period["event"], period["region"] or "", n, n - measured.get(day, 0)])
    return response


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def survey(request, public_id):
    """The satisfaction survey of one of the mover's own submitted moves (満足度アンケート)."""
    move = move_visible_to(request.user, public_id, area=OWN)
    if move is None or not may_answer(move):
        raise Http404
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST)
        if form.is_valid():
            survey_answer(move, level=form.cleaned_data["level"], comment=form.cleaned_data["comment"])
            messages.success(request, _("Thank you for answering the survey."))
            return redirect(reverse("moves:detail", kwargs={"public_id": move.public_id}) + "#survey")
        status = 400
    else:
        answer = answer_of(move)
        form = SurveyForm(initial={"level": answer.level, "comment": answer.comment} if answer else None)
    summary = error_summary([(form, "survey", "")]) if form.is_bound else []
    return render(
        request,
        "stats/survey.html",
        {"form": form, "move": move, "summary": summary, "focus_summary": bool(summary)},
        status=status,
    )
