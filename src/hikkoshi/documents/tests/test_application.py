"""申込書 and FAX送付状, read back as the organisation (and its fax machine) would."""

from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
import random
import re
import shutil
import subprocess
import tempfile

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from hikkoshi.documents import services
from hikkoshi.documents.data import Address, FieldValue, Person
from hikkoshi.documents.flow import NO_LINE_END, NO_LINE_START, break_lines
from hikkoshi.documents.fonts import GOTHIC, register_fonts
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import render_application, render_fax_cover, render_result
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler

A4 = (595.28, 841.89)
FOOTER = "hikkoshi引越しワンストップ"

needs_pdftoppm = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is not installed")


def squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def entry_of(record, slug):
    return next(e for e in record.procedures if e.slug == slug)


@pytest.fixture(scope="module")
def record():
    return sample_move()


@pytest.fixture(scope="module")
def entry(record):
    return entry_of(record, "doshin-subscription")  # by fax, two fields


@pytest.fixture(scope="module")
def pdf(record, entry):
    return render_application(record, entry)


def cover_args(record, entry, **kw):
    args = dict(
        to_name=entry.organisation + " 読者センター",
        to_number="011-210-5599",
        from_name="hikkoshi 引越しワンストップ",
        from_number="011-555-0100",
        pages=3,
        procedure_name=entry.name,
        application_id=record.id,
        portal_url="https://hikkoshi.example.jp/",
        sent_at=datetime(2025, 3, 19, 5, 5, tzinfo=timezone.utc),
    )  # 14:05 in Japan
    args.update(kw)
    return args


@pytest.fixture(scope="module")
def cover(record, entry):
    return render_fax_cover(**cover_args(record, entry))


def gray_levels(data: bytes) -> set[int]:
    """The grey levels of the first page rendered without anti-aliasing: {0, 255} for a page
    of pure black on white."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "100",
                "-gray",
                "-aa",
                "no",
                "-aaVector",
                "no",
                "-f",
                "1",
                "-l",
                "1",
                str(path),
                str(Path(tmp) / "page"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        pgm = next(Path(tmp).glob("page*.pgm")).read_bytes()
    magic, _size, depth, pixels = pgm.split(b"\n", 3)
    assert magic == b"P5" and depth == b"255"
    return set(pixels)


def assert_fax_legible(data: bytes) -> None:
    """Every word at least 10 pt high (pdftotext's box is the font size), black on white."""
    heights = [ymax - ymin for _, _, _, ymin, _, ymax, _ in pdftools.word_boxes(data)]
    assert heights and min(heights) >= 10 - 0.01, min(heights)


def assert_ipaex_embedded(data: bytes) -> None:
    fonts = pdftools.fonts(data)
    assert fonts
    assert all(f["emb"] == "yes" and f["name"].split("+")[-1].startswith("IPAex") for f in fonts), fonts


# 申込書 ---------------------------------------------------------------------------------------


def test_services_export_both():
    assert {"render_application", "render_fax_cover"} <= set(services.__all__)


@needs_poppler
def test_application_has_everything_the_organisation_needs(record, entry, pdf):
    assert pdf.startswith(b"%PDF")
    assert pdftools.page_sizes(pdf) == [pytest.approx(A4, abs=1)]
    page = pdftools.squeezed(pdf)
    a = record.applicant
    for expected in (
        "新聞の購読申込み申込書",
        "北海道新聞御中",
        record.id,
        "令和7年3月19日",
        "2025年3月19日",  # submitted, 和暦 and 西暦
        a.name,
        a.name_kana,
        "昭和60年3月5日",
        "1985年3月5日",
        record.phone,
        record.email,
        "〒100-0001",
        record.old_address.address,
        "〒060-0042",
        record.new_address.address,
        "令和7年3月28日",
        "2025年3月28日",
        "転出・転入",
        FOOTER,
        "1/1",
    ):
        assert squeeze(expected) in page, expected
    for m in record.members:
        for expected in (m.name, m.name_kana, m.relationship):
            assert squeeze(expected) in page, expected
    assert "昭和63年11月20日" in page and "1988年11月20日" in page
    for f in entry.fields:
        assert squeeze(f.label) in page and squeeze(f.value) in page, f


@needs_poppler
def test_building_line_of_a_procedure_field_is_printed(record):
    move_in = entry_of(record, "sapporo-move-in")
    emailed = replace(move_in, channel="email", form="", notification="")
    page = pdftools.squeezed(render_application(record, emailed))
    assert "大通パークマンション1203号室" in page  # 方書 from the procedure's own field
    assert "世帯主との続柄" in page and "転入届申込書" in page


@needs_poppler
def test_application_fonts_are_embedded(pdf):
    assert_ipaex_embedded(pdf)


@needs_poppler
def test_application_is_legible_when_faxed(pdf):
    assert_fax_legible(pdf)


@needs_poppler
@needs_pdftoppm
def test_application_is_black_on_white(pdf, record):
    assert gray_levels(pdf) == {0, 255}
    assert len(gray_levels(render_result(record))) > 2  # shaded cells are seen by this check


def test_application_is_reproducible(record, entry, pdf):
    assert render_application(record, entry) == pdf


LONG_TEXT = "".join(
    f"{i:03d}番：玄関は北側<裏口&勝手口>、ＡＢＣ棟の「札幌」引越しセンター経由。Call-{i}."
    + ("\n" if i % 7 == 6 else "")
    for i in range(120)
)[:4000]
LONG_ASCII = "".join(chr(ord("a") + i % 26) for i in range(1500))  # no space to break at


@pytest.fixture(scope="module")
def long_record(record):
    members = tuple(
        Person(f"札幌 {i}{'郎' * (i + 1)}", f"サッポロ カナ{i:02d}", date(1990, 1, i + 1), "子" if i % 2 else "同居人")
        for i in range(10)
    )
    return replace(record, members=members)


@pytest.fixture(scope="module")
def long_entry(entry):
    assert len(LONG_TEXT) == 4000
    return replace(
        entry,
        fields=entry.fields
        + (
            FieldValue("note", "ご要望", LONG_TEXT),
            FieldValue("code", "照会コード", LONG_ASCII),
            FieldValue("after", "最後の項目", "最後の値"),
        ),
    )


@pytest.fixture(scope="module")
def long_pdf(long_record, long_entry):
    return render_application(long_record, long_entry)


@needs_poppler
def test_long_values_and_ten_members_flow_onto_further_pages(long_record, long_entry, long_pdf):
    sizes = pdftools.page_sizes(long_pdf)
    pages = len(sizes)
    assert pages >= 3
    assert all(s == pytest.approx(A4, abs=1) for s in sizes)
    whole = pdftools.squeezed(long_pdf)
    for m in long_record.members:
        for expected in (m.name, m.name_kana, m.relationship):
            assert squeeze(expected) in whole, expected
    # Between the pages: each page's footer, and the heading rows the tables repeat.
    text = re.sub(rf"{FOOTER}申請ID{re.escape(long_record.id)}", "", whole)
    text = re.sub(r"\d+/\d+", "", text)
    text = re.sub(r"■申込内容（[^）]*）", "", text)
    for expected in (LONG_TEXT, LONG_ASCII):
        assert squeeze(expected) in text  # every character, in order, nothing cut
    assert "最後の項目" in text and "最後の値" in text
    for n in range(1, pages + 1):
        page = pdftools.squeezed(long_pdf, page=n)
        assert f"{n}/{pages}" in page and long_record.id in page  # every fax page says whose
    assert "■申込内容" in pdftools.squeezed(long_pdf, page=pages)  # the heading repeats


@needs_poppler
def test_long_application_is_legible_when_faxed(long_pdf):
    assert_fax_legible(long_pdf)
    assert_ipaex_embedded(long_pdf)


@needs_poppler
def test_many_fields_all_printed(record, entry):
    fields = tuple(FieldValue(f"f{i}", f"項目{i:02d}", f"値{i:02d}\n二行目{i:02d}") for i in range(60))
    pdf = render_application(record, replace(entry, fields=fields))
    assert len(pdftools.page_sizes(pdf)) >= 2
    page = pdftools.squeezed(pdf)
    for i in range(60):
        assert f"項目{i:02d}" in page and f"値{i:02d}二行目{i:02d}" in page


@needs_poppler
def test_empty_optional_values_do_not_crash(record, entry):
    bare = replace(
        record,
        submitted_at=None,
        phone="",
        email="",
        members=(Person("札幌 花子", "", date(1988, 11, 20), ""),),
        old_address=Address("", "", "", ""),
        new_address=Address("0600042", "", "", ""),
        kinds=(),
    )
    empty_fields = replace(entry, name_en="", fields=(FieldValue("note", "備考", ""), FieldValue("", "", "  ")))
    page = pdftools.squeezed(render_application(bare, empty_fields))
    assert "未送信" in page and "（未記入）" in page and "備考" in page and "〒060-0042" in page
    none = replace(entry, fields=())
    page = pdftools.squeezed(render_application(replace(bare, members=()), none))
    assert "この手続きに固有の入力項目はありません。" in page and "なし（申込者のみ）" in page


@needs_poppler
def test_characters_outside_the_fonts_do_not_crash(record, entry):
    odd = replace(record, applicant=replace(record.applicant, name="𠮷野 太郎😀"))
    pdf = render_application(odd, replace(entry, fields=(FieldValue("x", "備考\t", "a\x0bb\r\nc"),)))
    assert "太郎" in pdftools.squeezed(pdf)


@pytest.mark.parametrize("width", [30, 80, 383])
def test_break_lines_keeps_every_character_and_the_rules(width):
    register_fonts()
    rng = random.Random(width)
    alphabet = "あいう漢字札幌。、」「（）ーっャABCdef 0123-./ＡＢ"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        lines = break_lines(text, GOTHIC, 11, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            hangs = len(line) == 1 or line[-1:] in NO_LINE_START
            assert stringWidth(line, GOTHIC, 11) <= width + 0.01 or hangs, line


def test_break_lines_breaks_the_japanese_way():
    register_fonts()
    text = "お届け先の電話番号は 090-1234-5678 です。「札幌」にお届けください。"
    for width in range(60, 400, 7):
        lines = break_lines(text, GOTHIC, 11, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line[:1] in NO_LINE_START for line in lines[1:]), lines
        assert not any(line[-1:] in NO_LINE_END for line in lines), lines
        if width >= 90:
            assert any("090-1234-5678" in line for line in lines), lines  # a number is whole
    assert break_lines("一行目\n\n三行目", GOTHIC, 11, 300) == ["一行目", "", "三行目"]


# FAX送付状 -------------------------------------------------------------------------------------


@needs_poppler
def test_cover_sheet_says_to_whom_from_whom_and_how_many_pages(record, entry, cover):
    assert cover.startswith(b"%PDF")
    assert pdftools.page_sizes(cover) == [pytest.approx(A4, abs=1)]
    page = pdftools.squeezed(cover)
    for expected in (
        "FAX送付状",
        "北海道新聞読者センター御中",
        "011-210-5599",
        "hikkoshi引越しワンストップ",
        "011-555-0100",
        "送信枚数",
        "（本紙を含む）",
        "3枚",
        "新聞の購読申込み申込書",
        record.id,
        "https://hikkoshi.example.jp/",
        "申請IDをお知らせください",
        "令和7年3月19日",
        "2025年3月19日",
        "14:05",
    ):
        assert expected in page, expected


@needs_poppler
def test_cover_sheet_shows_nothing_about_the_mover(record, entry, cover):
    page = pdftools.squeezed(cover)
    for person in (record.applicant, *record.members):
        assert squeeze(person.name) not in page
        assert squeeze(person.name_kana) not in page
        assert person.name.split()[0] not in page  # not even the family name
    for private in (record.phone, record.email, "千代田1-1", "大通西", "〒"):
        assert private not in page, private


@needs_poppler
def test_cover_sheet_is_legible_when_faxed(cover):
    assert_fax_legible(cover)
    assert_ipaex_embedded(cover)


@needs_poppler
@needs_pdftoppm
def test_cover_sheet_is_black_on_white(cover):
    assert gray_levels(cover) == {0, 255}


@needs_poppler
def test_cover_sheet_stays_one_page_whatever_the_input(record, entry):
    pdf = render_fax_cover(
        **cover_args(
            record,
            entry,
            to_name="長" * 300,
            to_number="",
            from_name="",
            from_number="",
            procedure_name="手" * 300,
            portal_url="https://example.jp/" + "a" * 600,
            pages=12,
            sent_at=datetime(2025, 3, 19, 23, 59),
        )
    )  # naive: printed as given
    assert len(pdftools.page_sizes(pdf)) == 1
    page = pdftools.squeezed(pdf)
    assert "12枚" in page and "23:59" in page and "…" in page
    assert_fax_legible(pdf)


def test_cover_sheet_counts_itself(record, entry):
    with pytest.raises(ValueError):
        render_fax_cover(**cover_args(record, entry, pages=0))


@needs_poppler
def test_cover_sheet_prints_the_application_number_once(record, entry):
    """Issue 12: the fax channel gives the 申請番号 as the id too; the cover printed it twice (申請番号
    and 申請ID). A move from before numbers still gets its 申請ID."""
    number = "K7P2X-9M4QD"
    page = pdftools.squeezed(
        render_fax_cover(**cover_args(record, entry, application_id=number, application_number=number))
    )
    assert "申請番号" in page and "申請ID" not in page
    assert page.count(number) == 1
    older = pdftools.squeezed(render_fax_cover(**cover_args(record, entry)))
    assert "申請ID" in older and "申請番号" not in older.replace("申請番号を", "")
