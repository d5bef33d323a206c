"""The largest move the input allows still makes its forms; addressees of every kind of name."""

from dataclasses import replace
from datetime import date

import pytest

from hikkoshi.documents.data import Person
from hikkoshi.documents.labels import mayor_of
from hikkoshi.documents.qr import form_payload, qr_decode, qr_encode
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import form_procedures, render_residence_change_form
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler


@pytest.mark.parametrize(
    "municipality, mayor",
    [
        ("札幌市中央区", "札幌市長"),
        ("千代田区", "千代田区長"),
        ("上川郡上川町", "上川町長"),
        ("大和郡山市", "大和郡山市長"),
        ("郡山市", "郡山市長"),
        ("郡上市", "郡上市長"),
        ("小郡市", "小郡市長"),
        ("西多摩郡檜原村", "檜原村長"),
    ],
)
def test_the_addressee_of_the_form(municipality, mayor):
    assert mayor_of(municipality) == f"{mayor}"


@needs_poppler
def test_the_largest_household_the_input_allows_still_prints():
    long_name = "長" * 40
    members = tuple(Person(long_name, "ナ" * 60, date(1990, 1, 1), "子" * 20) for _ in range(9))
    record = sample_move(members=members)
    record = replace(
        record,
        new_address=replace(record.new_address, address="北" * 200, building="棟" * 100),
        old_address=replace(record.old_address, address="南" * 200, building="室" * 100),
    )
    entry = form_procedures(record)[0]
    pdf = render_residence_change_form(record, entry)
    text = pdftools.squeezed(pdf)
    assert "1枚目／全2枚" in text and "2枚目／全2枚" in text


def test_each_sheet_carries_its_own_persons():
    members = tuple(Person(f"札幌 {i}郎", "サッポロ", date(1990, 1, 1), "子") for i in range(6))
    record = sample_move(members=members)
    entry = form_procedures(record)[0]
    persons = (record.applicant, *record.members)
    second = qr_decode(qr_encode(form_payload(record, entry, persons[5:], (2, 2))))
    assert second["sh"] == [2, 2] and [p[0] for p in second["ps"]] == ["札幌 4郎", "札幌 5郎"]
