"""Scenarios in the admin: edited with their cost, income and usage lines; their results on a
staff-only page (tables and SVG charts) and as CSV and PDF."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import DateField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _, gettext_lazy

from hikkoshi.charts import hbar_chart

from . import pdf, report
from .models import CostLine, IncomeLine, Scenario, UsageFigure


class CostLineInline(admin.StackedInline):
    model = CostLine
    extra = 0
    fields = ("item", "amount", "source", "assumption")


class IncomeLineInline(admin.StackedInline):
    model = IncomeLine
    extra = 0
    fields = ("item", "amount", "source", "assumption")


class UsageFigureInline(admin.StackedInline):
    model = UsageFigure
    extra = 0
    fields = ("item", "value", "source", "assumption")


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "usage_basis", "results_link")
    list_filter = ("kind", "usage_basis")
    search_fields = ("name",)
    inlines = [CostLineInline, IncomeLineInline, UsageFigureInline]
    readonly_fields = ("results_link",)
    # The browser's own date field: the admin's calendar shortcuts name their links in English
    # whatever the page's language (axe: label-content-name-mismatch).
    formfield_overrides = {DateField: {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}}
    fieldsets = (
        (None, {"fields": ("name", "kind", "shared_percent", "portals", "note", "results_link")}),
        (
            gettext_lazy("Usage (利用量)"),
            {"fields": ("usage_basis", "period_start", "period_end", "region", "include_simulated")},
        ),
    )

    @admin.display(description=gettext_lazy("results (収支試算)"))
    def results_link(self, obj: Scenario) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">CSV</a> · <a href="{}">PDF</a>',
            reverse("admin:economics_scenario_results", args=[obj.pk]),
            _("Show the results (結果を表示)"),
            reverse("admin:economics_scenario_csv", args=[obj.pk]),
            reverse("admin:economics_scenario_pdf", args=[obj.pk]),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/results/", view(self.results_view), name="economics_scenario_results"),
            path("<int:pk>/results.csv", view(self.csv_view), name="economics_scenario_csv"),
            path("<int:pk>/results.pdf", view(self.pdf_view), name="economics_scenario_pdf"),
            *super().get_urls(),
        ]

    def _report(self, request: HttpRequest, pk: int) -> report.Report:
        scenario = get_object_or_404(Scenario, pk=pk)
        if not self.has_view_permission(request, scenario):
            raise PermissionDenied
        return report.build(scenario)

    def results_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        rep = self._report(request, pk)
        sensitivity = rep.sensitivity_rows()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Results of %(name)s (収支試算)") % {"name": rep.scenario.name},
            "opts": self.model._meta,
            "scenario": rep.scenario,
            "report": rep,
            "summary": rep.summary(),
            "income_rows": [(text, f"{value:,}") for text, value in rep.income_rows()],
            "cost_rows": [(text, f"{value:,}") for text, value in rep.cost_rows()],
            "usage_rows": rep.usage_rows(),
            "sensitivity_heading": report.SENSITIVITY_HEADING,
            "sensitivity": [(group, text, f"{minus:+,}", f"{plus:+,}") for group, text, minus, plus in sensitivity],
            "income_chart": hbar_chart(
                rep.income_rows(),
                labelledby="income",
                title=_("Yearly income by line (年間収入)"),
                description=_("One bar per income line, in yen; the same numbers are in the table below."),
            ),
            "cost_chart": hbar_chart(
                rep.cost_rows(),
                labelledby="costs",
                title=_("Yearly costs by line (年間費用)"),
                description=_("One bar per cost line, in yen; the same numbers are in the table below."),
            ),
            "sensitivity_chart": hbar_chart(
                [(f"{text} [{group}]", plus) for group, text, _minus, plus in sensitivity[:10]],
                labelledby="sensitivity",
                title=_("Change of the balance with each input +20 % (感度分析)"),
                description=_(
                    "One bar per input: how much the single-year balance changes, in yen, "
                    "when that input is 20 % higher."
                ),
            ),
        }
        return TemplateResponse(request, "admin/economics/scenario/results.html", context)

    def csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        rep = self._report(request, pk)
        response = HttpResponse("\ufeff" + report.to_csv(rep), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="scenario-{pk}.csv"'
        return response

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        rep = self._report(request, pk)
        response = HttpResponse(pdf.render(rep), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="scenario-{pk}.pdf"'
        return response
