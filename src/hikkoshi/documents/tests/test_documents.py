"""申請結果, 申請控え, the deadlines calendar and the whole set."""

from dataclasses import replace
from datetime import date, timedelta

import icalendar
import pytest

from hikkoshi.documents.data import ProcedureRecord
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import render_calendar, render_copy, render_move_documents, render_result
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler


@pytest.fixture(scope="module")
def record():
    return sample_move()


def many_procedures(record, n=60):
    base = record.procedures[2]
    extra = tuple(replace(base, slug=f"extra-{i}", name=f"追加の手続き{i}", reference=f"R{i:04}") for i in range(n))
    return replace(record, procedures=record.procedures + extra)


@needs_poppler
def test_result_lists_every_procedure(record):
    pdf = render_result(record)
    assert pdf.startswith(b"%PDF")
    page = pdftools.squeezed(pdf)
    assert "申請結果" in page
    for entry in record.procedures:
        assert entry.name.replace(" ", "") in page
        assert entry.organisation in page
        assert entry.status_label in page
        if entry.reference:
            assert entry.reference in page
    for label in ("Web", "メール", "FAX", "窓口"):
        assert label in page
    assert "令和7年4月11日" in page  # the 転入届's last day


@needs_poppler
def test_result_breaks_pages_and_stays_a4(record):
    pdf = render_result(many_procedures(record))
    sizes = pdftools.page_sizes(pdf)
    assert len(sizes) >= 3
    assert all(abs(w - 595.28) <= 1 and abs(h - 841.89) <= 1 for w, h in sizes)
    last = pdftools.squeezed(pdf, page=len(sizes))
    assert "追加の手続き59" in pdftools.squeezed(pdf, page=len(sizes) - 1) + last
    assert f"{len(sizes)}/{len(sizes)}" in last
    assert "手続き" in pdftools.squeezed(pdf, page=2)  # the heading row repeats


@needs_poppler
def test_copy_has_everything_entered(record):
    pdf = render_copy(record)
    page = pdftools.squeezed(pdf)
    assert "申請控え" in page
    for person in (record.applicant, *record.members):
        assert person.name.replace(" ", "") in page
        assert person.name_kana.replace(" ", "") in page
    for expected in (
        record.phone,
        record.email,
        "昭和60年3月5日",
        "東京都千代田区千代田1-1",
        "北海道札幌市中央区大通西1丁目1-1",
        "転出・転入",
    ):
        assert expected.replace(" ", "") in page, expected
    for entry in record.procedures:
        assert entry.name.replace(" ", "") in page
        for f in entry.fields:
            assert f.label in page and f.value.replace(" ", "") in page


@needs_poppler
def test_fonts_embedded_everywhere(record):
    for name, data in render_move_documents(record, calendar=False).items():
        fonts = pdftools.fonts(data)
        assert fonts, name
        assert all(f["emb"] == "yes" and f["name"].split("+")[-1].startswith("IPAex") for f in fonts), (name, fonts)


def test_move_documents_names(record):
    docs = render_move_documents(record)
    assert set(docs) == {
        "form-tokyo-chiyoda-move-out.pdf",
        "form-sapporo-move-in.pdf",
        "result.pdf",
        "copy.pdf",
        "deadlines.ics",
    }
    assert all(docs[name].startswith(b"%PDF") for name in docs if name.endswith(".pdf"))


def test_calendar_has_the_moving_day_and_each_last_day(record):
    cal = icalendar.Calendar.from_ical(render_calendar(record))
    events = cal.walk("VEVENT")
    with_last_day = [e for e in record.procedures if e.deadline_to]
    assert len(events) == 1 + len(with_last_day) == 7
    for event in events:  # every event one whole day: nothing month-long
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and end == start + timedelta(days=1), event["SUMMARY"]
    by_uid = {str(e["UID"]): e for e in events}
    moving = by_uid[f"{record.id}-move-day@hikkoshi"]
    assert moving.decoded("DTSTART") == record.move_date and str(moving["SUMMARY"]) == "引越し日"
    assert record.new_address.address in str(moving["LOCATION"])

    move_in = next(e for e in record.procedures if e.slug == "sapporo-move-in")
    event = by_uid[f"{record.id}-sapporo-move-in@hikkoshi"]
    assert event.decoded("DTSTART") == move_in.deadline_to  # its last day, not its period
    assert str(event["SUMMARY"]) == "転入届の期限（札幌市中央区役所 戸籍住民課）"
    description = str(event["DESCRIPTION"])
    assert "届出先: 札幌市中央区役所 戸籍住民課" in description
    assert "受付時間: 平日 8:45–17:15（土日祝・12/29–1/3 閉庁）" in description
    assert "所在地: 〒060-8612 札幌市中央区南3条西11丁目330-2" in description
    assert "札幌市中央区役所 戸籍住民課" in str(event["LOCATION"])
    assert str(event["TRANSP"]) == "TRANSPARENT"
    alarm = event.walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == -timedelta(hours=15)  # 09:00 the day before

    water = by_uid[f"{record.id}-sapporo-water-start@hikkoshi"]
    water_entry = next(e for e in record.procedures if e.slug == "sapporo-water-start")
    assert water.decoded("DTSTART") == water_entry.deadline_to
    assert "水道の使用開始" in str(water["SUMMARY"]) and "札幌市水道局" in str(water["SUMMARY"])
    assert water.walk("VALARM") == []  # delivered already: nothing to remind of
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    assert all("DTSTAMP" in e for e in events)


def test_calendar_is_stable(record):
    assert render_calendar(record) == render_calendar(record)


def test_calendar_without_deadlines_has_the_moving_day_only(record):
    plain = replace(
        record, procedures=tuple(replace(e, deadline_from=None, deadline_to=None) for e in record.procedures)
    )
    cal = icalendar.Calendar.from_ical(render_calendar(plain))
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["引越し日"]


def test_a_move_without_window_procedures_has_no_form(record):
    web_only = replace(record, procedures=tuple(e for e in record.procedures if e.channel != "window"))
    assert not any(n.startswith("form-") for n in render_move_documents(web_only))


def test_entry_with_form_kind_but_not_window_is_not_a_form(record):
    entry: ProcedureRecord = record.procedures[1]
    moved = replace(record, procedures=(replace(entry, channel="email"),))
    assert "form-sapporo-move-in.pdf" not in render_move_documents(moved)
