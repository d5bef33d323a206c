"""What the printed documents say about the journey's data: the office of a window procedure,
the buildings (方書), the application number (申請番号)."""

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from hikkoshi.documents.application import render_application
from hikkoshi.documents.fax_cover import render_fax_cover
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import render_copy, render_residence_change_form, render_result
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler

pytestmark = needs_poppler

NUMBER = "K7QM-4XPR-29W"
CITY_HALL = "札幌市役所 本庁舎"  # the organisation of the procedure, not where to go
WARD = "札幌市中央区役所 戸籍住民課"


def _by_slug(record, slug):
    return next(e for e in record.procedures if e.slug == slug)


@pytest.fixture(scope="module")
def record():
    """A move whose 転入届 belongs to the city (an organisation named like its city hall) and
    is stored with the destination ward's office."""
    base = sample_move(number=NUMBER)
    procedures = tuple(
        replace(e, organisation=CITY_HALL) if e.slug == "sapporo-move-in" else e for e in base.procedures
    )
    return replace(base, procedures=procedures)


@pytest.mark.parametrize("name", ["result", "copy", "guide"])
def test_documents_name_the_stored_office_not_the_organisation(record, name):
    entry = _by_slug(record, "sapporo-move-in")
    assert entry.office.name == WARD
    pdf = {
        "result": lambda: render_result(record),
        "copy": lambda: render_copy(record),
        "guide": lambda: render_residence_change_form(record, entry),
    }[name]()
    text = pdftools.squeezed(pdf)
    assert all(part in text for part in WARD.split()), text  # in a cell, maybe over two lines
    assert "札幌市役所" not in text and "本庁舎" not in text


def test_without_an_office_the_organisation_is_named(record):
    entry = replace(_by_slug(record, "sapporo-move-in"), office=None)
    moved = replace(record, procedures=(entry,))
    assert CITY_HALL.replace(" ", "") in pdftools.squeezed(render_result(moved))


def test_copy_shows_both_buildings(record):
    text = pdftools.squeezed(render_copy(record))
    assert "東京都千代田区千代田1-1千代田ハイツ101" in text  # old address, then its 方書
    assert record.old_address.building == "千代田ハイツ101"
    moved = replace(record, new_address=replace(record.new_address, building="メゾン札幌 305"))
    assert "北海道札幌市中央区大通西1丁目1-1メゾン札幌305" in pdftools.squeezed(render_copy(moved))


@pytest.mark.parametrize("name", ["result", "copy", "application", "fax_cover"])
def test_application_number_is_printed_when_there_is_one(record, name):
    def render(rec):
        if name == "result":
            return render_result(rec)
        if name == "copy":
            return render_copy(rec)
        if name == "application":
            return render_application(rec, _by_slug(rec, "doshin-subscription"))
        return render_fax_cover(
            to_name="北海道新聞",
            to_number="011-210-5555",
            from_name="hikkoshi",
            from_number="",
            pages=2,
            procedure_name="新聞の購読申込み",
            application_id=rec.id,
            portal_url="https://example.jp/",
            sent_at=datetime(2025, 3, 19, 5, 5, tzinfo=timezone.utc),
            application_number=rec.number,
        )

    text = pdftools.squeezed(render(record))
    assert f"申請番号{NUMBER}" in text
    without = pdftools.squeezed(render(replace(record, number="")))
    assert "申請番号" not in without and NUMBER not in without
    assert record.id in without  # the id stays
