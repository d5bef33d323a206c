"""The 住民異動届 of foreign residents (外国人住民): the 別紙 with what the form asks of them only,
read back as text and checked for its layout (every value in its column, nothing overlapping)."""

from dataclasses import replace
from datetime import date
import re

import pytest

from hikkoshi.documents.data import ForeignResident, Person
from hikkoshi.documents.residence_change_form import FOREIGN_COLUMNS, FOREIGN_ROW_H, L
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import render_copy, render_residence_change_form
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler

MM = 72 / 25.4

AN = Person(
    "NGUYEN VAN AN",
    "グエン ヴァン アン",
    date(1995, 2, 14),
    "世帯主",
    "male",
    foreign=ForeignResident(
        "中長期在留者", "ベトナム", "AB12345678CD", "技術・人文知識・国際業務", "5年", date(2029, 3, 31)
    ),
)
LAN = Person(
    "TRAN THI LAN",
    "チャン ティ ラン",
    date(1997, 8, 1),
    "妻",
    "female",
    foreign=ForeignResident("中長期在留者", "ベトナム", "CD87654321EF", "家族滞在", "5年", date(2029, 3, 31)),
)
KIM = Person(
    "金 美英",
    "キム ミヨン",
    date(1960, 1, 5),
    "母",
    "female",
    foreign=ForeignResident("特別永住者", "韓国", "XY00001111ZZ"),
)
TARO = Person("札幌 太郎", "サッポロ タロウ", date(1985, 3, 5), "同居人", "male")


def entry_of(record, notification="move_in"):
    return next(e for e in record.procedures if e.notification == notification)


def pages_of_boxes(pdf: bytes) -> list[list[tuple[float, float, float, float, str]]]:
    """The words of each page: (xMin, yMin, xMax, yMax, word) in points from the top left."""
    html = pdftools._run("pdftotext", pdf, "-bbox")
    pages: list[list] = []
    for line in html.splitlines():
        if "<page " in line:
            pages.append([])
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            pages[-1].append((*map(float, m.groups()[:4]), m[5]))
    return pages


@pytest.fixture(scope="module")
def household():
    return sample_move(applicant=AN, members=(LAN, KIM, TARO), head="NGUYEN VAN AN")


@pytest.fixture(scope="module")
def pdf(household):
    return render_residence_change_form(household, entry_of(household))


@needs_poppler
def test_the_form_points_to_a_second_sheet_for_foreign_residents(pdf):
    assert len(pdftools.page_sizes(pdf)) == 3  # the form, the 別紙, 持ち物・届出先
    first = pdftools.squeezed(pdf, page=1)
    assert "外国人住民の記載事項は別紙" in first
    second = pdftools.squeezed(pdf, page=2)
    assert "別紙" in second and "外国人住民の記載事項" in second and "住民異動届" in second
    for heading in ("国籍・地域", "法第30条の45", "在留資格", "在留期間の満了の日", "在留カード等の番号"):
        assert heading in second
    assert "■転入" in second  # the kind of notification, as on the form
    assert "持ち物・届出先" in pdftools.squeezed(pdf, page=3)


@needs_poppler
def test_each_value_is_in_its_column_on_the_row_of_its_person(pdf):
    words = pages_of_boxes(pdf)[1]
    left = {}
    x = L
    for heading, width in FOREIGN_COLUMNS:
        left[heading] = (x * MM, (x + width) * MM)
        x += width

    def row_of(name: str) -> tuple[float, float]:
        x0, x1 = left["ふりがな\n氏名"]
        box = next(w for w in words if w[4] == name and x0 <= w[0] <= x1 and w[1] > 60 * MM)
        # The rows of the 別紙 start 64 mm from the top, 16 mm each (``FOREIGN_ROW_H``).
        top = (64 + 16 * int((box[1] / MM - 64) // 16)) * MM
        return top, top + 16 * MM

    def in_cell(column: str, name: str) -> str:
        (x0, x1), (t0, t1) = left[column], row_of(name)
        found = [w for w in words if x0 <= w[0] and w[2] <= x1 and t0 <= w[1] and w[3] <= t1]
        return "".join(w[4] for w in found)

    assert in_cell("在留カード等の番号", "AN") == "AB12345678CD"
    assert in_cell("在留カード等の番号", "LAN") == "CD87654321EF"
    assert in_cell("在留カード等の番号", "美英") == "XY00001111ZZ"
    assert in_cell("国籍・地域", "AN") == "ベトナム" and in_cell("国籍・地域", "美英") == "韓国"
    assert in_cell("在留資格", "LAN") == "家族滞在"
    assert in_cell("在留資格", "美英") == ""  # a 特別永住者 has none
    assert "中長期在留者" in in_cell("法第30条の45\nに規定する区分", "AN")
    assert in_cell("法第30条の45\nに規定する区分", "美英") == "特別永住者"
    assert in_cell("在留期間\n在留期間の満了の日", "AN") == "5年2029年3月31日まで"
    assert in_cell("", "AN") == "1" and in_cell("", "美英") == "3"  # numbered as on the form
    assert not any(w[4] == "太郎" for w in words)  # not a foreign resident: not on the 別紙


@needs_poppler
def test_a_long_status_of_residence_goes_on_two_lines_at_a_readable_size(pdf):
    words = pages_of_boxes(pdf)[1]
    x = L + sum(width for _heading, width in FOREIGN_COLUMNS[:4])
    x0, x1 = x * MM, (x + FOREIGN_COLUMNS[4][1]) * MM
    row = 64 * MM, (64 + FOREIGN_ROW_H) * MM  # the first person's row (as ``row_of`` above counts)
    found = [w for w in words if x0 <= w[0] and w[2] <= x1 and row[0] <= w[1] and w[3] <= row[1]]
    assert "".join(w[4] for w in found) == "技術・人文知識・国際業務"
    assert len({round(w[1]) for w in found}) == 2  # two lines
    assert all(w[3] - w[1] >= 8 for w in found), found  # the glyphs' height in pt: ≥ 8 pt, not shrunk


@needs_poppler
def test_nothing_overlaps_and_everything_is_inside_the_margins(pdf):
    assert FOREIGN_ROW_H == 16  # as the row search above counts it
    for page in pages_of_boxes(pdf):
        for x0, y0, x1, y1, word in page:
            assert x0 >= 10 * MM and y0 >= 10 * MM and x1 <= 200 * MM and y1 <= 287 * MM, word
        for i, a in enumerate(page):
            for b in page[i + 1 :]:
                overlap_x = min(a[2], b[2]) - max(a[0], b[0])
                overlap_y = min(a[3], b[3]) - max(a[1], b[1])
                assert overlap_x <= 0.5 or overlap_y <= 0.5, (a, b)


@needs_poppler
def test_without_foreign_residents_there_is_no_second_sheet(household):
    record = replace(household, applicant=replace(AN, foreign=None), members=(replace(LAN, foreign=None),))
    pdf = render_residence_change_form(record, entry_of(record))
    assert len(pdftools.page_sizes(pdf)) == 2
    text = pdftools.squeezed(pdf)
    assert "別紙" not in text and "在留カード等の番号" not in text


@needs_poppler
def test_eleven_foreign_residents_take_two_sheets(household):
    members = tuple(replace(LAN, name=f"TRAN THI {chr(65 + i)}") for i in range(10))
    record = replace(household, members=members)
    pdf = render_residence_change_form(record, entry_of(record, "move_out"))
    # 11 persons: three sheets of the form, two 別紙, 持ち物・届出先.
    assert len(pdftools.page_sizes(pdf)) == 6
    assert "1枚目／全2枚" in pdftools.squeezed(pdf, page=4) and "2枚目／全2枚" in pdftools.squeezed(pdf, page=5)
    assert "TRANTHIJ" in pdftools.squeezed(pdf, page=5) and "■転出" in pdftools.squeezed(pdf, page=5)


# -- 申請控え: the mover's copy prints what the 別紙 prints, for the foreign residents only -----


@needs_poppler
def test_the_applicants_copy_has_each_foreign_residents_data(household):
    text = pdftools.squeezed(render_copy(household, lang="ja"))
    section = text[text.index("外国人住民の記載事項") : text.index("手続きごとの入力内容")]
    for value in ("NGUYENVANAN", "中長期在留者", "ベトナム", "AB12345678CD", "技術・人文知識・国際業務", "5年"):
        assert value in section
    assert "令和11年3月31日" in section and "在留期間の満了の日" in section
    assert "TRANTHILAN" in section and "CD87654321EF" in section and "家族滞在" in section
    kim = section[section.index("金美英") :]
    assert "特別永住者" in kim and "XY00001111ZZ" in kim and "在留資格" not in kim  # a 特別永住者 has none
    assert "太郎" not in section  # not a foreign resident
    english = pdftools.squeezed(render_copy(household, lang="en"))
    assert "Foreignresidents" in english and "Residencecardnumber" in english and "XY00001111ZZ" in english


@needs_poppler
def test_the_applicants_copy_without_foreign_residents_has_no_such_section(household):
    record = replace(household, applicant=replace(AN, foreign=None), members=(TARO,))
    text = pdftools.squeezed(render_copy(record, lang="ja"))
    assert "外国人住民" not in text and "在留カード" not in text and "AB12345678CD" not in text
