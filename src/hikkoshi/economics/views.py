"""The evaluation report's PDF from the statistics dashboard (/admin/stats/report.pdf): the
dashboard's form chooses the period (and whether simulated figures are in it; its region is not
applied: the report is of the whole portal, most events have no place); a bad period is shown by
the dashboard itself, with its errors. Staff only (the project's URLs wrap it in
``admin.site.admin_view``, as the dashboard)."""

from django.http import HttpRequest, HttpResponse

from hikkoshi.stats.views import dashboard, requested_period

from .evaluation import evaluate, find_scenario
from .evaluation_pdf import render


def stats_report(request: HttpRequest) -> HttpResponse:
    _form, period = requested_period(request)
    if period is None:
        return dashboard(request)
    evaluation = evaluate(
        period["start"],
        period["end"],
        include_simulated=period["simulated"],
        scenario=find_scenario(None),
        # A scenario's balance is for those who may see the scenarios (as its own results page).
        show_scenario=request.user.has_perm("economics.view_scenario"),
    )
    response = HttpResponse(render(evaluation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="hikkoshi-report-{period["start"]}-{period["end"]}.pdf"'
    return response
