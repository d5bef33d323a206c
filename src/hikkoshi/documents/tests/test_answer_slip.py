"""処理状況のご連絡: the answer page's URL, reference, code and QR code on the 申込書 and the
FAX送付状, rendered to PNG and the QR code read back with zbarimg (Debian's zbar-tools)."""

from datetime import datetime, timezone
from pathlib import Path
import shutil
import subprocess
import tempfile

import pytest

from hikkoshi.documents.answer_slip import AnswerSlip, answer_url
from hikkoshi.documents.application import render_application
from hikkoshi.documents.fax_cover import render_fax_cover
from hikkoshi.documents.samples import sample_move

from .pdftools import text

needs_tools = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to read the QR code back",
)

SLIP = AnswerSlip(
    url=answer_url("https://hikkoshi.example.jp/", "K7P2X-9M4QD"), reference="K7P2X-9M4QD", code="ABCD-EFGH-JKMN"
)


def qr_codes(pdf: bytes) -> list[str]:
    """Every QR code zbarimg reads on the pages, rendered at 150 dpi."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(Path(tmp) / "page")], check=True, timeout=60)
        found = []
        for page in sorted(Path(tmp).glob("page*.png")):
            run = subprocess.run(
                ["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True, timeout=60, check=False
            )
            found += [line for line in run.stdout.splitlines() if line]
        return found


def test_the_answer_url_carries_the_reference():
    assert SLIP.url == "https://hikkoshi.example.jp/answers/?ref=K7P2X-9M4QD"


def cover(answer):
    record = sample_move()
    return render_fax_cover(
        to_name="北海道新聞社",
        to_number="011-000-0000",
        from_name="hikkoshi",
        from_number="03-0000-0000",
        pages=3,
        procedure_name="新聞の購読申込み",
        application_id=record.id,
        portal_url="https://hikkoshi.example.jp/",
        sent_at=datetime(2026, 12, 3, 5, 0, tzinfo=timezone.utc),
        application_number="K7P2X-9M4QD",
        answer=answer,
    )


@needs_tools
def test_the_application_form_prints_the_answer_page_and_its_qr_code():
    record = sample_move()
    entry = next(p for p in record.procedures if p.slug == "sapporo-water-start")
    pdf = render_application(record, entry, None, answer=SLIP)
    words = text(pdf).replace(" ", "")
    assert "照会番号:K7P2X-9M4QD" in words and "回答コード:ABCD-EFGH-JKMN" in words
    assert qr_codes(pdf) == [SLIP.url]
    assert qr_codes(render_application(record, entry, None)) == []  # none without a slip (web channel)


@needs_tools
def test_the_fax_cover_sheet_prints_it_on_its_one_page():
    pdf = cover(SLIP)
    assert text(pdf).count("\f") <= 1  # one page
    assert "ABCD-EFGH-JKMN" in text(pdf)
    assert qr_codes(pdf) == [SLIP.url]
