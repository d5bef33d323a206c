"""The day of a counter visit: chosen on the result page for a window procedure not yet filed,
refused outside the procedure's period or in the past (nothing stored, what was typed kept), and
carried into ``deadlines.ics`` over the office's opening hours."""

from datetime import date, datetime, time, timedelta
import re

from django.test import Client
from django.utils import timezone
from icalendar import Calendar
import pytest

from hikkoshi.audit.models import AuditEvent
from hikkoshi.documents.ical import opening_hours
from hikkoshi.moves.models import MoveProcedure
from hikkoshi.moves.services import move_submit

from .conftest import sapporo_relocation

SLUG = "sapporo-move-in"


@pytest.fixture
def move(sapporo, mover):
    return move_submit(owner=mover, payload=sapporo_relocation())


@pytest.fixture
def ja(client, mover):
    client.force_login(mover)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"
    client.cookies["django_language"] = "ja"
    return client


def entry_of(move) -> MoveProcedure:
    return MoveProcedure.objects.get(move=move, version__procedure__slug=SLUG)


def a_day_in_the_period(entry) -> date:
    return max(entry.deadline_from or timezone.localdate(), timezone.localdate()) + timedelta(days=1)


def visits(ics: bytes, slug: str = SLUG) -> list:
    cal = Calendar.from_ical(ics)
    return [e for e in cal.walk("VEVENT") if str(e["uid"]).endswith(f"-{slug}-visit@hikkoshi")]


def test_the_result_page_offers_a_day_for_each_counter_procedure(ja, move):
    page = ja.get(f"/moves/{move.public_id}/").content.decode()
    form = re.search(
        rf'<form class="visit" method="post" action="/moves/{move.public_id}/visit/{SLUG}/".*?</form>', page, flags=re.S
    ).group(0)
    assert 'type="date"' in form and 'name="visit_on"' in form and "csrfmiddlewaretoken" in form
    assert "来庁する日" in form
    # Only counter procedures.
    assert "/visit/sapporo-water-start/" not in page


def test_choosing_a_day_shows_on_the_page_and_in_the_calendar(ja, move):
    entry = entry_of(move)
    entry.office = {**entry.office, "hours": "平日 8:45〜17:15（土日祝休み）"}
    entry.save(update_fields=["office"])
    day = a_day_in_the_period(entry)
    response = ja.post(f"/moves/{move.public_id}/visit/{SLUG}/", {"visit_on": day.isoformat()})
    assert response.status_code == 302 and response["Location"] == f"/moves/{move.public_id}/#entry-{SLUG}"
    assert entry_of(move).visit_on == day
    assert AuditEvent.objects.filter(move=move.public_id, action="visit", target=f"{SLUG} {day.isoformat()}").exists()
    page = ja.get(f"/moves/{move.public_id}/").content.decode()
    assert f'value="{day.isoformat()}"' in page
    assert "来庁する日" in page and str(day.day) in page

    ics = ja.get(f"/moves/{move.public_id}/documents/deadlines.ics").content
    (event,) = visits(ics)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    office = entry.office
    # The ward office's hours, in Japan's time, with the zone's definition.
    assert isinstance(start, datetime) and start.date() == day and start.time() == time(8, 45)
    assert end.time() == time(17, 15) and start.utcoffset() == timedelta(hours=9)
    assert b"TZID=Asia/Tokyo" in ics and b"BEGIN:VTIMEZONE" in ics
    assert "平日 8:45〜17:15" in str(event["description"])
    description = str(event["description"])
    assert office["name"] in description or office["name"] in str(event["summary"])
    assert "持ち物" in description
    if office.get("address"):
        assert office["address"] in str(event["location"])

    # Cleared: gone from the calendar.
    ja.post(f"/moves/{move.public_id}/visit/{SLUG}/", {"clear": "1"})
    assert entry_of(move).visit_on is None
    assert visits(ja.get(f"/moves/{move.public_id}/documents/deadlines.ics").content) == []


@pytest.mark.parametrize(
    "typed, says",
    [
        ("past", "すでに過ぎています"),
        ("after", "期間外"),
        ("2026-02-30", "来庁する日"),
        ("", "来庁する日"),
    ],
)
def test_a_day_outside_the_period_or_past_is_refused(ja, move, typed, says):
    entry = entry_of(move)
    raw = {
        "past": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "after": (entry.deadline_to + timedelta(days=1)).isoformat(),
    }.get(typed, typed)
    response = ja.post(f"/moves/{move.public_id}/visit/{SLUG}/", {"visit_on": raw})
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(rf'<p class="error" id="visit-{SLUG}-error">([^<]+)</p>', page).group(1)
    assert says in error and "来庁する日" in error
    assert f'value="{raw}"' in page  # what was typed is kept
    assert entry_of(move).visit_on is None
    assert not AuditEvent.objects.filter(action="visit").exists()


def test_the_error_is_in_english_too(client, mover, move):
    client.force_login(mover)
    client.cookies["django_language"] = "en"
    entry = entry_of(move)
    late = (entry.deadline_to + timedelta(days=1)).isoformat()
    page = client.post(
        f"/moves/{move.public_id}/visit/{SLUG}/", {"visit_on": late}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Day of your visit" in page and "outside the period" in page


def test_not_for_a_procedure_sent_by_the_portal_nor_one_filed(ja, move):
    day = a_day_in_the_period(entry_of(move)).isoformat()
    assert ja.post(f"/moves/{move.public_id}/visit/sapporo-water-start/", {"visit_on": day}).status_code == 404
    ja.post(f"/moves/{move.public_id}/filed/{SLUG}/", {"filed": "1"})
    assert ja.post(f"/moves/{move.public_id}/visit/{SLUG}/", {"visit_on": day}).status_code == 404
    assert ja.get(f"/moves/{move.public_id}/visit/{SLUG}/").status_code == 405


def test_someone_elses_move_is_a_404(move, django_user_model):
    other = django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw")
    client = Client()
    client.force_login(other)
    day = a_day_in_the_period(entry_of(move)).isoformat()
    assert client.post(f"/moves/{move.public_id}/visit/{SLUG}/", {"visit_on": day}).status_code == 404
    assert entry_of(move).visit_on is None


def test_csrf_is_required(move, mover):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mover)
    day = a_day_in_the_period(entry_of(move)).isoformat()
    assert client.post(f"/moves/{move.public_id}/visit/{SLUG}/", {"visit_on": day}).status_code == 403
    assert entry_of(move).visit_on is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("平日 8:45〜17:15", (time(8, 45), time(17, 15))),
        ("平日　８：４５～１７：１５（土日祝日・年末年始を除く）", (time(8, 45), time(17, 15))),
        ("8時45分から17時15分", (time(8, 45), time(17, 15))),
        ("9時〜17時", (time(9), time(17))),
        ("月〜金 9:00-17:00", (time(9), time(17))),
        ("24時間受付", None),
        ("", None),
    ],
)
def test_opening_hours_read_from_the_text(text, expected):
    assert opening_hours(text) == expected


def test_without_hours_the_visit_is_a_whole_day():
    from types import SimpleNamespace

    from hikkoshi.documents.data import Office, ProcedureRecord
    from hikkoshi.documents.ical import _visit

    entry = ProcedureRecord(
        slug="x",
        version=1,
        name="転入届",
        name_en="",
        organisation="北区役所",
        channel="window",
        status="in_person",
        status_label="",
        visit_on=date(2030, 4, 1),
        office=Office(name="北区役所", address="札幌市北区", postcode="0010024", hours="要予約", phone="", sample=True),
    )
    event = _visit(SimpleNamespace(id="m", number=""), entry, datetime(2030, 1, 1))
    assert event.decoded("dtstart") == date(2030, 4, 1) and event.decoded("dtend") == date(2030, 4, 2)
    assert "要予約" in str(event["description"])
