"""Withdrawals and corrections by e-mail (a real SMTP conversation, as a reply to the first mail)
and by fax (the spool gateway: a one-page notice, or the notice and the corrected 申込書)."""

from dataclasses import replace
from datetime import datetime, timezone
import re
import subprocess
import uuid

import pytest

from hikkoshi.delivery import channels
from hikkoshi.delivery.channels.fax import render_notice_fax
from hikkoshi.delivery.notices import NoticeOutgoing
from hikkoshi.documents.notice import render_notice
from hikkoshi.documents.samples import sample_move

from .test_email_channel import Recorder, smtp_server  # noqa: F401  (a real SMTP server)
from .test_fax import assert_fax_machine_reads, needs_tiffinfo, tiffinfo

NUMBER = "K7P2X-9M4Q6"
# 21 March in Japan, still the 20th in UTC: the day printed is Japan's.
SENT = datetime(2025, 3, 20, 16, 30, tzinfo=timezone.utc)
FIRST_MAIL = "<0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0@hikkoshi.example>"


def notice(kind, slug, *, settings, changes=(), key=None) -> NoticeOutgoing:
    record = replace(sample_move(), number=NUMBER)
    entry = next(p for p in record.procedures if p.slug == slug)
    return NoticeOutgoing(
        delivery_id=7,
        idempotency_key=key or str(uuid.uuid4()),
        attempt=1,
        procedure=slug,
        organisation="org",
        organisation_name="札幌市公園緑化協会",
        settings=settings,
        record=record,
        entry=entry,
        application={},
        kind=kind,
        changes=tuple(changes),
        original_reference="",
        original_key="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        original_message_id=FIRST_MAIL,
        original_sent_at=SENT,
    )


@pytest.mark.slow
def test_a_withdrawal_mail_answers_the_first_one(smtp_server):
    handler = Recorder()
    smtp_server(handler)
    key = str(uuid.uuid4())
    outcome = channels.get("email").send_notice(
        notice("withdrawal", "sapporo-sapling", key=key, settings={"to": "kinenju@park.example.jp"})
    )
    [msg] = handler.messages()
    assert msg["Subject"] == f"【引越し申請 取下げ】記念樹（苗木）の申込み（申請番号 {NUMBER}）"
    assert msg["In-Reply-To"] == msg["References"] == FIRST_MAIL
    assert msg["Message-ID"] == outcome.message_id == f"<{key}@hikkoshi.example>"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "取り下げます" in text and NUMBER in text and "令和7年3月21日" in text
    assert not list(msg.iter_attachments())  # a withdrawal needs no form


@pytest.mark.slow
def test_a_correction_mail_says_what_changed_and_attaches_the_corrected_form(smtp_server):
    handler = Recorder()
    smtp_server(handler)
    channels.get("email").send_notice(
        notice(
            "correction",
            "sapporo-sapling",
            settings={"to": "k@park.example.jp"},
            changes=[("電話番号", "011-999-0000")],
        )
    )
    [msg] = handler.messages()
    assert "訂正" in msg["Subject"]
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "・電話番号: 011-999-0000" in text
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF-")


@pytest.fixture
def spool(settings, tmp_path):
    folder = tmp_path / "spool"
    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "spool", "spool_dir": str(folder)}
    return folder


@needs_tiffinfo
def test_a_fax_withdrawal_is_one_page_and_a_correction_carries_the_form(spool, tmp_path):
    key = str(uuid.uuid4())
    outcome = channels.get("fax").send_notice(
        notice("withdrawal", "doshin-subscription", key=key, settings={"fax_number": "011-210-5555"})
    )
    assert outcome.receipt["pages"] == 1
    assert_fax_machine_reads(tiffinfo((spool / f"{key}.tif").read_bytes(), tmp_path), 1)
    correction = notice(
        "correction",
        "doshin-subscription",
        settings={"fax_number": "011-210-5555"},
        changes=[("購読開始日", "令和7年4月2日")],
    )
    tiff, pages = render_notice_fax(correction, "011-210-5555")
    assert pages >= 2
    assert_fax_machine_reads(tiffinfo(tiff, tmp_path), pages)


def test_the_notice_page_reads_as_a_withdrawal(tmp_path):
    pdf = render_notice(
        kind="withdrawal",
        to_name="北海道新聞",
        to_number="011-210-5555",
        from_name="hikkoshi",
        from_number="011-000-0000",
        pages=1,
        procedure_name="新聞の購読申込み",
        number=NUMBER,
        sent_on=SENT,
        reference="DOSHIN-20250321-000001",
        portal_url="https://hikkoshi.example/",
        sent_at=SENT,
    )
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "申請取下げのお知らせ",
        "北海道新聞",
        NUMBER,
        "DOSHIN-20250321-000001",
        "令和7年3月21日",
        "取り下げます",
        "1枚",
    ):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, flags=re.M)
