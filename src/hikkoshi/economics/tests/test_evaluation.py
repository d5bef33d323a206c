"""The evaluation report (実証評価レポート): its figures read back from the PDF with pdftotext,
simulated data marked on every page, the command's errors, and the dashboard's button."""

from datetime import date, datetime, time, timedelta
import os
from pathlib import Path
import re
import subprocess
import sys

from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
import pytest

from hikkoshi.accounts.tests.conftest import add_totp, make_user, sign_in, totp_code
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped catalogue)
from hikkoshi.documents.tests import pdftools
from hikkoshi.economics import evaluation, evaluation_pdf
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import mover, sapporo_relocation  # noqa: F401
from hikkoshi.stats.counting import add_rows
from hikkoshi.stats.models import DailyCount, SurveyAnswer

START, END = date(2026, 10, 1), date(2026, 10, 31)
pytestmark = [pdftools.needs_poppler, pytest.mark.django_db]


def _counts(*, simulated=False, day=date(2026, 10, 5)):
    rows = [
        ("visit", {"kind": "portal:home"}, 123),
        ("search", {"source": "local", "category": "water"}, 21),
        ("search", {"source": "partner", "category": "gas"}, 9),
        ("move_started", {"entered_by": "mover", "kind": "relocation"}, 12),
        ("move_submitted", {"entered_by": "mover", "kind": "relocation"}, 7),
        ("move_submitted", {"entered_by": "agency", "kind": "move_in", "store": "1"}, 3),
        ("delivered", {"channel": "web", "organisation": "sapporo-water"}, 11),
        ("delivered", {"channel": "fax", "organisation": "hokkaido-gas"}, 4),
        ("delivery_failed", {"channel": "fax", "organisation": "hokkaido-gas", "reason": "busy_line"}, 2),
        ("delivery_retry", {"channel": "web", "organisation": "sapporo-water", "reason": "timeout"}, 5),
        ("handoff_in", {"source": "partner:kansai"}, 6),
        ("handoff_out", {"source": "partner:kanto"}, 2),
        ("signin_failed", {}, 8),
    ]
    add_rows(DailyCount, [({"day": day}, event, dims, n) for event, dims, n in rows], simulated=simulated)
    levels = [5, 5, 3]
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(level=level, comment="秘密のコメント", day=day, simulated=simulated) for level in levels
    )


def _line(text: str, label: str) -> str:
    """The line of ``pdftotext -layout`` holding ``label`` (its figures on the same line)."""
    lines = [line for line in text.splitlines() if label in line]
    assert lines, f"{label!r} not in the report"
    return re.sub(r"\s+", " ", lines[0])


def _report(**kw) -> bytes:
    kw.setdefault("scenario", evaluation.find_scenario(None))
    return evaluation_pdf.render(evaluation.evaluate(START, END, **kw))


def test_the_report_reads_back_the_period_its_figures_and_the_balance():
    _counts()
    _counts(day=date(2026, 11, 1))  # after the period: not in it
    pdf = _report()
    text = pdftools.text(pdf, layout=True)
    assert "実証評価レポート" in text and "Evaluation report" in text
    assert "2026-10-01 – 2026-10-31（31日間 / 31 days）" in text
    assert _line(text, "ページ閲覧 / page views").endswith("123 — 0")
    assert _line(text, "引越し手続の申請 / moves submitted ").endswith("10 — 0")
    assert "対象地域 / area: ポータル全体" in text
    started, submitted = [re.sub(r"\s+", " ", line) for line in text.splitlines() if "本人 / the mover" in line]
    assert started.endswith("12 100.0 % 0") and submitted.endswith("7 70.0 % 0")
    assert _line(text, "不動産会社の店舗 / an agency's store").endswith("3 30.0 % 0")
    assert _line(text, "転居 / relocation").endswith("7 70.0 % 0")  # move kinds
    assert _line(text, "Web連携 / web").endswith("11 73.3 % 0")  # channel mix
    assert _line(text, "成功率").endswith("88.2 %")  # 15 delivered, 2 failed
    assert _line(text, "busy_line").endswith("2 100.0 % 0")  # a failure's reason
    assert _line(text, "timeout").endswith("5 100.0 % 0")
    assert _line(text, "サインインの失敗 / sign-in failures").endswith("8 — 0")
    assert "回答数 / answers: 3" in text and "平均 / average: 4.33 / 5" in text
    assert "秘密のコメント" not in text  # comments stay in the dashboard
    assert _line(text, "連携ポータル / a partner portal（検索 / searches）").endswith("9 30.0 % 0")
    assert _line(text, "連携ポータル kansai / partner portal kansai").endswith("6 100.0 % 0")
    assert _line(text, "連携ポータル kanto / partner portal kanto").endswith("2 100.0 % 0")
    # The shipped Sapporo example (the portal alone): its balance as entered is −7,945,000 yen.
    assert evaluation.DEFAULT_SCENARIO in text
    assert "-7,945,000" in _line(text, "単年度収支")
    assert "送達記録はありません" in text  # the time to deliver is said not to be measured here
    assert "模擬データを含みます" not in text  # nothing simulated: no mark
    assert {f["name"].split("+")[-1] for f in pdftools.fonts(pdf)} <= {"IPAexMincho", "IPAexGothic"}


def test_simulated_figures_are_marked_on_every_page():
    _counts(simulated=True)
    pdf = _report()
    pages = len(pdftools.page_sizes(pdf))
    assert pages >= 2
    for page in range(1, pages + 1):
        text = pdftools.squeezed(pdf, page=page)
        assert "模擬データを含みます" in text and "Includessimulateddata" in text, page
    text = pdftools.text(pdf, layout=True)
    assert _line(text, "ページ閲覧 / page views").endswith("123 — 123")  # of which simulated
    measured_only = pdftools.squeezed(_report(include_simulated=False))
    assert "模擬データを含みます" not in measured_only


def test_the_time_to_deliver_is_computed_from_the_delivery_records(mover, sapporo):
    from hikkoshi.delivery.models import Delivery

    move_submit(owner=mover, payload=sapporo_relocation())
    deliveries = list(Delivery.objects.order_by("pk"))
    assert len(deliveries) >= 2
    base = datetime.combine(date(2026, 10, 10), time(9), tzinfo=timezone.get_current_timezone())
    for n, delivery in enumerate(deliveries):
        minutes = 10 if n == 0 else 45
        Delivery.objects.filter(pk=delivery.pk).update(created_at=base, delivered_at=base + timedelta(minutes=minutes))
    times = evaluation.delivery_times(START, END)
    assert times[0].label == "すべて / all channels" and times[0].count == len(deliveries)
    assert times[0].median == 45 * 60
    assert sum(t.count for t in times[1:]) == len(deliveries)
    assert evaluation.delivery_times(date(2026, 11, 1), date(2026, 11, 30)) == []  # delivered in October
    text = pdftools.text(_report(), layout=True)
    assert "45分 / 45 min" in _line(text, "すべて / all channels")


def test_durations_read_in_minutes_hours_and_days():
    assert evaluation.duration_text(45 * 60) == "45分 / 45 min"
    assert evaluation.duration_text(3.5 * 3600) == "3.5時間 / 3.5 h"
    assert evaluation.duration_text(3 * 86400) == "3.0日 / 3.0 days"


def test_the_command_writes_the_report(tmp_path):
    _counts()
    out = tmp_path / "report.pdf"
    call_command("stats", "report", "--from", "2026-10-01", "--to", "２０２６-10-31", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "2026-10-01–2026-10-31" in pdftools.squeezed(out.read_bytes())


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--from", "2026-13-01", "--to", "2026-10-31"], "--from"),
        (["--from", "2026-10-01", "--to", "yesterday"], "--to"),
        (["--from", "2026-11-01", "--to", "2026-10-31"], "--from"),  # from after to
        (["--from", "2025-01-01", "--to", "2026-10-31"], "--from"),  # more than 366 days
        (["--from", "1999-12-31", "--to", "2000-01-31"], "--from"),
        (["--from", "2026-10-01", "--to", "2026-10-31", "--scenario", "no such"], "--scenario"),
    ],
)
def test_the_command_names_the_bad_option(args, option, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("stats", "report", *args, "--out", str(tmp_path / "r.pdf"))
    assert str(error.value).startswith(option + ":")
    assert not (tmp_path / "r.pdf").exists()


def test_a_bad_day_on_the_command_line_is_an_error_without_a_traceback(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.test", "HIKKOSHI_DATA_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", "from hikkoshi.cli import main; main()", "stats", "report"]
        + ["--from", "2026-10-32", "--to", "2026-10-31", "--out", str(tmp_path / "r.pdf")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "--from" in run.stderr and "YYYY-MM-DD" in run.stderr
    assert "Traceback" not in run.stderr
    assert not Path(tmp_path / "r.pdf").exists()


def test_the_dashboard_button_gives_staff_the_pdf(admin_client):
    _counts()
    page = admin_client.get("/admin/stats/").content.decode()
    assert 'formaction="/admin/stats/report.pdf"' in page
    query = {"event": "visit", "start": "2026-10-01", "end": "2026-10-31", "simulated": "on"}
    answer = admin_client.get("/admin/stats/report.pdf", query)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert 'filename="hikkoshi-report-2026-10-01-2026-10-31.pdf"' in answer["Content-Disposition"]
    text = pdftools.text(answer.content, layout=True)
    assert _line(text, "ページ閲覧 / page views").endswith("123 — 0") and "-7,945,000" in text


def test_a_bad_period_from_the_button_is_shown_by_the_dashboard(admin_client):
    answer = admin_client.get("/admin/stats/report.pdf", {"event": "visit", "start": "2026-11-01", "end": "2026-10-01"})
    assert answer.status_code == 400 and answer["Content-Type"].startswith("text/html")
    html = answer.content.decode()
    assert 'id="chart-title"' not in html and 'action="/admin/stats/"' in html
    assert "errorlist" in html


def test_others_get_no_report(django_user_model):
    make_user(django_user_model, "mover@example.jp")
    client = Client()
    sign_in(client, "mover@example.jp")
    answer = client.get("/admin/stats/report.pdf")
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert Client().get("/admin/stats/report.pdf").status_code == 302


def test_staff_without_the_scenarios_permission_get_the_report_without_the_balance(django_user_model):
    _counts()
    user = make_user(django_user_model, "clerk@example.jp", is_staff=True)
    secret = add_totp(user)
    client = Client()
    client.force_login(user)
    client.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    answer = client.get("/admin/stats/report.pdf", {"event": "visit", "start": "2026-10-01", "end": "2026-10-31"})
    assert answer.status_code == 200
    text = pdftools.squeezed(answer.content)
    assert "権限がないため省略" in text and "-7,945,000" not in text and "123" in text
