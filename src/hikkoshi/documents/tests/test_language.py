"""The mover's documents in the request's language: Japanese with no English beside it, or
English; the official 住民異動届 (and what organisations receive) stays Japanese."""

from dataclasses import replace

import pytest

from hikkoshi.documents.application import render_application
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import render_document, render_residence_change_form
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler

pytestmark = needs_poppler

ENGLISH_WORDS = (
    "Application",
    "result",
    "copy",
    "procedure",
    "Move-in",
    "Water supply",
    "notification",
    "What to bring",
    "Where to go",
    "Your",
)


@pytest.fixture(scope="module")
def record():
    return sample_move(number="K7QM-4XPR-29W")


def _form(record):
    return next(e for e in record.procedures if e.notification == "move_in")


def _render(record, name, lang):
    content, content_type = render_document(record, name, lang=lang)
    assert content_type == "application/pdf"
    return content


@pytest.mark.parametrize("name", ["result.pdf", "copy.pdf"])
def test_japanese_documents_carry_no_english(record, name):
    text = pdftools.text(_render(record, name, "ja"))
    for word in ENGLISH_WORDS:
        assert word not in text, word
    assert ("申請結果" if name == "result.pdf" else "申請控え") in text
    assert "申請番号" in text and "令和7年3月28日" in text


def test_japanese_guide_page_carries_no_english(record):
    pdf = render_residence_change_form(record, _form(record), lang="ja")
    guide = pdftools.text(pdf, page=2)
    assert "持ち物・届出先" in guide and "届出先（どこへ）" in guide
    for word in ENGLISH_WORDS:
        assert word not in guide, word


def test_english_result(record):
    text = pdftools.squeezed(_render(record, "result.pdf", "en"))
    for expected in (
        "Applicationresult",
        "Applicationnumber",
        "K7QM-4XPR-29W",
        "Movingday",
        "28March2025",
        "Move-innotification(転入届)",
        "Deadline",
        "until25Mar2025",
        "札幌市中央区役所",
        "Applicant",
        "Counter",
    ):
        assert expected in text, expected
    for japanese in ("申請結果", "引越し日", "期限", "提出先", "令和"):
        assert japanese not in text, japanese


def test_english_copy(record):
    text = pdftools.squeezed(_render(record, "copy.pdf", "en"))
    for expected in (
        "Yourcopyoftheapplication",
        "Dateofbirth",
        "5March1985",
        "Relationshiptotheheadofhousehold",
        "Headofhouseholdatthenewaddress",
        "Female",
        "Movingoutofthemunicipality(転出)",
        "千代田ハイツ101",
    ):
        assert expected in text, expected
    # (The procedures' own field labels and values are the record's, here the sample's.)
    for japanese in ("申請控え", "生年月日", "世帯主との続柄", "ふりがな", "申請者", "旧住所"):
        assert japanese not in text, japanese


def test_english_request_gets_the_japanese_form_and_an_english_guide_page(record):
    pdf = _render(record, "form-sapporo-move-in.pdf", "en")
    form, guide = pdftools.text(pdf, page=1), pdftools.text(pdf, page=2)
    assert "住民異動届" in form and "世帯主" in form and "届出人" in form
    for word in ("Application", "Where to go", "What to bring", "notification"):
        assert word not in form, word
    squeezed = "".join(guide.split())
    for expected in (
        "Whattobringandwheretogo",
        "Wheretogo",
        "Bywhen",
        "札幌市中央区役所戸籍住民課",
        "Openinghours:",
        "From28March2025to11April2025",
        "Beforeyouhandintheform",
    ):
        assert expected in squeezed, expected
    assert "持ち物・届出先" not in guide and "届出の期限" not in guide


def test_documents_follow_the_active_language(record):
    from django.utils import translation

    with translation.override("en"):
        english = pdftools.text(render_document(record, "result.pdf")[0])
    with translation.override("ja"):
        japanese = pdftools.text(render_document(record, "result.pdf")[0])
    assert "Application result" in english and "申請結果" in japanese


def test_what_organisations_receive_stays_japanese(record):
    from django.utils import translation

    entry = next(e for e in record.procedures if e.slug == "doshin-subscription")
    with translation.override("en"):
        text = pdftools.text(render_application(record, entry))
    assert "申込書" in text and "申込者" in text
    assert "Application form" not in text and "Newspaper subscription" not in text


def test_erased_birth_date_is_no_error_in_english(record):
    erased = replace(record, applicant=replace(record.applicant, birth_date=None), members=())
    assert _render(erased, "copy.pdf", "en").startswith(b"%PDF")
