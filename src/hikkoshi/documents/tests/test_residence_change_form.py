"""The 住民異動届 PDF, read back as a reader (and a counter's scanner) would."""

from dataclasses import replace
from datetime import date
import re

import pytest

from hikkoshi.documents.data import Office, Person
from hikkoshi.documents.labels import mayor_of
from hikkoshi.documents.samples import sample_move
from hikkoshi.documents.services import render_residence_change_form
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler

A4 = (595.28, 841.89)
MM = 72 / 25.4


def entry_of(record, notification):
    return next(e for e in record.procedures if e.notification == notification)


@pytest.fixture(scope="module")
def record():
    return sample_move()


@pytest.fixture(scope="module")
def move_in_pdf(record):
    return render_residence_change_form(record, entry_of(record, "move_in"))


@pytest.fixture(scope="module")
def move_out_pdf(record):
    return render_residence_change_form(record, entry_of(record, "move_out"))


def test_is_a_pdf(move_in_pdf):
    assert move_in_pdf.startswith(b"%PDF-")
    assert move_in_pdf.rstrip().endswith(b"%%EOF")


@needs_poppler
def test_every_page_is_a4(move_in_pdf):
    sizes = pdftools.page_sizes(move_in_pdf)
    assert len(sizes) == 2  # the form, then 持ち物・届出先
    for width, height in sizes:
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1


@needs_poppler
def test_fonts_are_ipaex_and_embedded(move_in_pdf):
    fonts = pdftools.fonts(move_in_pdf)
    names = {f["name"].split("+")[-1] for f in fonts}
    assert names == {"IPAexMincho", "IPAexGothic"}
    assert all(f["emb"] == "yes" for f in fonts), fonts
    assert all(f["uni"] == "yes" for f in fonts), "text must map back to Unicode"


@needs_poppler
def test_form_text_is_extractable(record, move_in_pdf):
    page = pdftools.squeezed(move_in_pdf, page=1)
    for expected in (
        "住民異動届",
        "札幌市長",
        "殿",
        "届出年月日",
        "異動日",
        "令和7年3月28日",
        "新住所",
        "北海道札幌市中央区大通西1丁目1-1",
        "〒060-0042",
        "方書",
        "大通パークマンション1203号室",
        "旧住所",
        "東京都千代田区千代田1-1",
        "世帯主",
        "届出人",
        "電話番号",
        "090-1234-5678",
        "印",
        "署名",
        "届出の任に当たっている者本人による署名の場合、押印は必要ありません",
    ):
        assert expected in page, expected
    applicant = record.applicant
    assert applicant.name.replace(" ", "") in page
    assert applicant.name_kana.replace(" ", "") in page


@needs_poppler
def test_all_members_are_listed_with_wareki_birth_dates(record, move_in_pdf):
    page = pdftools.squeezed(move_in_pdf, page=1)
    for person in (record.applicant, *record.members):
        assert person.name.replace(" ", "") in page
        assert person.name_kana.replace(" ", "") in page
    assert "昭和60年3月5日" in page  # the applicant, born 1985
    assert "令和元年5月1日" in page  # the child, born on the first day of Reiwa
    assert "妻" in page and "子" in page


@needs_poppler
def test_move_in_box_is_checked(move_in_pdf):
    page = pdftools.text(move_in_pdf, page=1)
    assert re.search(r"■\s*転入", page)
    assert re.search(r"□\s*転居", page) and re.search(r"□\s*転出", page)


@needs_poppler
def test_move_out_box_is_checked_and_filed_with_the_old_ward(move_out_pdf):
    page = pdftools.text(move_out_pdf, page=1)
    assert re.search(r"■\s*転出", page)
    assert re.search(r"□\s*転入", page) and re.search(r"□\s*転居", page)
    assert "千代田区長" in page


@needs_poppler
def test_relocation_box_is_checked(record):
    entry = replace(entry_of(record, "move_in"), notification="relocation", name="転居届")
    page = pdftools.text(render_residence_change_form(record, entry), page=1)
    assert re.search(r"■\s*転居", page)
    assert re.search(r"□\s*転入", page)


@needs_poppler
def test_more_than_five_persons_continue_on_a_second_sheet(record):
    members = tuple(
        Person(f"札幌 {n}", f"サッポロ {k}", date(2000 + i, 1, 1 + i), "子")
        for i, (n, k) in enumerate(
            [("二郎", "ジロウ"), ("三郎", "サブロウ"), ("四郎", "シロウ"), ("五郎", "ゴロウ"), ("六郎", "ロクロウ")]
        )
    )
    big = replace(record, members=members)
    pdf = render_residence_change_form(big, entry_of(big, "move_in"))
    sizes = pdftools.page_sizes(pdf)
    assert len(sizes) == 3  # two sheets of the form, then 持ち物・届出先
    first, second = pdftools.squeezed(pdf, page=1), pdftools.squeezed(pdf, page=2)
    assert "1枚目／全2枚" in first and "2枚目／全2枚" in second
    assert "札幌五郎" in first and "札幌六郎" not in first
    assert "札幌六郎" in second and "サッポロロクロウ" in second
    assert "印" in second and "住民異動届" in second
    assert "持ち物・届出先" in pdftools.squeezed(pdf, page=3)


@needs_poppler
def test_text_stays_inside_printable_margins(move_in_pdf):
    for width, height, x0, y0, x1, y1, word in pdftools.word_boxes(move_in_pdf):
        assert x0 >= 10 * MM and y0 >= 10 * MM, word
        assert x1 <= width - 10 * MM and y1 <= height - 10 * MM, word


@needs_poppler
def test_second_page_says_what_to_bring_and_where(record, move_in_pdf):
    entry = entry_of(record, "move_in")
    page = pdftools.squeezed(move_in_pdf, page=2)
    assert "持ち物・届出先" in page
    for item in entry.what_to_bring:
        assert item.replace(" ", "") in page
    assert entry.office.name.replace(" ", "") in page
    assert "平日8:45–17:15" in page
    assert "サンプルデータ" in page  # the office is sample data
    assert "令和7年3月28日(2025年)から令和7年4月11日(2025年)まで" in page
    assert "署名" in page


@needs_poppler
def test_verified_office_is_not_marked_sample(record):
    entry = entry_of(record, "move_in")
    entry = replace(entry, office=Office("札幌市中央区役所 戸籍住民課", sample=False))
    page = pdftools.squeezed(render_residence_change_form(record, entry), page=2)
    assert "サンプルデータ" not in page


def test_unknown_notification_is_refused(record):
    with pytest.raises(ValueError):
        render_residence_change_form(record, replace(entry_of(record, "move_in"), notification=""))


@pytest.mark.parametrize(
    "municipality, mayor",
    [
        ("札幌市中央区", "札幌市長"),
        ("千代田区", "千代田区長"),
        ("上川郡上川町", "上川町長"),
        ("旭川市", "旭川市長"),
        ("市川三郷町", "市川三郷町長"),
        ("大阪市北区", "大阪市長"),
    ],
)
def test_addressee(municipality, mayor):
    assert mayor_of(municipality) == mayor


# -- 世帯主, 続柄 to the 世帯主 and 性別, per row ------------------------------------------------

MM_PT = 72 / 25.4
# The 異動者 table's columns in mm from the left edge (residence_change_form.COLUMNS from 12 mm).
SEX_COLUMN = (138.0, 152.0)
RELATIONSHIP_COLUMN = (152.0, 172.0)


def _household_record():
    """Applicant 花子 (妻) files for 太郎 (世帯主) and 一郎 (子); the 世帯主 is 太郎."""
    hanako = Person("札幌 花子", "サッポロ ハナコ", date(1988, 11, 20), "妻", "female")
    taro = Person("札幌 太郎", "サッポロ タロウ", date(1985, 3, 5), "世帯主", "male")
    ichiro = Person("札幌 一郎", "サッポロ イチロウ", date(2019, 5, 1), "子")
    return sample_move(applicant=hanako, members=(taro, ichiro), head="札幌 太郎")


def _in_column(boxes, name: str, column: tuple[float, float]) -> str:
    """The text in ``column`` of the 異動者 row whose 氏名 is ``name`` (given name word)."""
    rows = [b for b in boxes if b[6] == name and b[2] < 80 * MM_PT]
    assert len(rows) >= 1, name
    # The 異動者 row (below 100 mm), not the 届出人's 氏名 further down.
    row = min((b for b in rows if b[3] > 100 * MM_PT), key=lambda b: b[3])
    middle = (row[3] + row[5]) / 2
    words = [
        b[6]
        for b in boxes
        if column[0] * MM_PT <= (b[2] + b[4]) / 2 <= column[1] * MM_PT and abs((b[3] + b[5]) / 2 - middle) < 7.5 * MM_PT
    ]
    return "".join(words)


@pytest.fixture(scope="module")
def household_pdfs():
    record = _household_record()
    return {kind: render_residence_change_form(record, entry_of(record, kind)) for kind in ("move_in", "move_out")}


@needs_poppler
@pytest.mark.parametrize("kind", ["move_in", "move_out"])
def test_relationship_is_to_the_head_on_each_row(household_pdfs, kind):
    boxes = [b for b in pdftools.word_boxes(household_pdfs[kind]) if b[1] > 0]
    first_page = boxes[: next(i for i, b in enumerate(boxes) if "持ち物" in b[6])]
    assert _in_column(first_page, "太郎", RELATIONSHIP_COLUMN) == "世帯主"
    assert _in_column(first_page, "花子", RELATIONSHIP_COLUMN) == "妻"
    assert _in_column(first_page, "一郎", RELATIONSHIP_COLUMN) == "子"
    assert _in_column(first_page, "花子", SEX_COLUMN) == "女"
    assert _in_column(first_page, "太郎", SEX_COLUMN) == "男"
    assert _in_column(first_page, "一郎", SEX_COLUMN) == "男・女"  # not given: circled by hand


@needs_poppler
def test_relationship_rows_read_back_with_layout(household_pdfs):
    lines = [
        line for line in pdftools.text(household_pdfs["move_in"], page=1, layout=True).splitlines() if line.strip()
    ]

    def row_of(name):
        """The row of the 異動者 table: its ふりがな line, the line between (cells centred in
        the row: number, 性別, 続柄) and its 氏名 line."""
        i = next(i for i, line in enumerate(lines) if name in line and "年" in line)
        return lines[i - 2 : i + 1]

    kana, middle, named = row_of("札幌 花子")
    assert "サッポロ ハナコ" in kana and "昭和63年11月20日" in named
    assert re.fullmatch(r"\s*1\s+女\s+妻\s*", middle), middle
    assert re.fullmatch(r"\s*2\s+男\s+世帯主\s*", row_of("札幌 太郎")[1])
    assert re.fullmatch(r"\s*3\s+男・女\s+子\s*", row_of("札幌 一郎")[1])
    head = [line for line in lines if line.strip().startswith("世帯主")]
    assert head and "札幌 太郎" in head[0], head
    # No 「本人」 as a 続柄 any more (the 届出人's 区分 box and the seal note have the word).
    assert "本人" not in "".join(line for line in lines if "区分" not in line and "署名" not in line)


@needs_poppler
def test_old_moves_print_the_applicant_as_head():
    record = replace(sample_move(head=""), applicant=replace(sample_move().applicant, relationship="", sex=""))
    pdf = render_residence_change_form(record, entry_of(record, "move_in"))
    boxes = pdftools.word_boxes(pdf)
    first_page = boxes[: next(i for i, b in enumerate(boxes) if "持ち物" in b[6])]
    assert _in_column(first_page, "太郎", RELATIONSHIP_COLUMN) == "世帯主"
    assert _in_column(first_page, "花子", RELATIONSHIP_COLUMN) == "妻"
    lines = pdftools.text(pdf, page=1, layout=True).splitlines()
    assert any(line.strip().startswith("世帯主") and "札幌 太郎" in line for line in lines)


@needs_poppler
def test_every_page_carries_the_application_number():
    """The 申請番号 the mover reads over the phone is on the form they take to the counter too."""
    record = sample_move(number="K7P2X-9M4QD")
    text = pdftools.text(render_residence_change_form(record, entry_of(record, "move_in")))
    assert text.count("申請番号 K7P2X-9M4QD") == 2  # the form and the page of what to bring
