"""The demo's SMTP sink: mails in, the web page out (real SMTP and HTTP on 127.0.0.1)."""

from email.message import EmailMessage
import io
import os
from pathlib import Path
import signal
import smtplib
import socket
import subprocess
import sys
import time

import httpx
from PIL import Image
import pytest

from hikkoshi.delivery.faxfile import pdfs_to_tiff_f
from hikkoshi.delivery.sandbox.smtpsink import SmtpSink
from hikkoshi.documents.application import render_application
from hikkoshi.documents.samples import sample_move
from hikkoshi.serving import free_port

SUBJECT = "【引越し申請】水道の使用開始 <script>alert(1)</script>"


@pytest.fixture(scope="module")
def documents():
    record = sample_move()
    pdf = render_application(record, record.procedures[5])
    tiff, _pages = pdfs_to_tiff_f([pdf])
    return pdf, tiff


def mail(pdf: bytes, tiff: bytes) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "hikkoshi <noreply@hikkoshi.example>"
    msg["To"] = "0112105555@fax.example"
    msg["Subject"] = SUBJECT
    msg.set_content("札幌市水道局 御中\n申込書を添付します。\n", charset="utf-8")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="application-water.pdf")
    msg.add_attachment(tiff, maintype="image", subtype="tiff", filename="fax-1.tif")
    return msg


@pytest.fixture
def sink(tmp_path):
    with SmtpSink(tmp_path / "mail", smtp_port=free_port(), web_port=0) as running:
        yield running


def send(port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(msg)


@pytest.mark.slow
def test_mail_listed_and_shown_with_fax_pages_as_png(sink, documents):
    pdf, tiff = documents
    send(sink.smtp_port, mail(pdf, tiff))
    [name] = sink.store.names()
    assert sorted(p.name for p in sink.store.directory.iterdir()) == [name]  # no temporary file left

    with httpx.Client(base_url=sink.web_url, timeout=10) as web:
        page = web.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "【引越し申請】水道の使用開始 &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>" not in page.text
        assert "application-water.pdf" in page.text and "メール受信箱" in page.text and "SMTP sink" in page.text

        shown = web.get(f"/mail/{name}")
        assert shown.status_code == 200
        assert "札幌市水道局 御中" in shown.text and "0112105555@fax.example" in shown.text
        assert f'src="/mail/{name}/part/1/page/0.png"' in shown.text

        png = web.get(f"/mail/{name}/part/1/page/0.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(png.content)) as image:
            assert image.format == "PNG" and image.width == 1728
            assert image.height == round(2291 * 204 / 196)  # fax pixels are taller than wide

        download = web.get(f"/mail/{name}/part/0")
        assert download.content.startswith(b"%PDF-")
        assert download.headers["content-type"] == "application/pdf"
        assert 'filename="application-water.pdf"' in download.headers["content-disposition"]

        assert web.get("/mail/../../etc/passwd").status_code == 404
        assert web.get(f"/mail/{name}/part/9").status_code == 404
        assert web.get(f"/mail/{name}/part/1/page/5.png").status_code == 404


@pytest.mark.slow
def test_newest_first(sink):
    for n in range(3):
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example.jp", "b@example.jp", f"件名{n}"
        msg.set_content("本文")
        send(sink.smtp_port, msg)
    page = httpx.get(sink.web_url, timeout=10).text
    assert page.index("件名2") < page.index("件名1") < page.index("件名0")


def sink_command(smtp_port: int, web_port: int, folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "hikkoshi.cli",
        "smtpsink",
        "--smtp-port",
        str(smtp_port),
        "--web-port",
        str(web_port),
        "--dir",
        str(folder),
    ]


SINK_ENV = {**os.environ, "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.test"}


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])  # a service manager, Ctrl-C
def test_the_command_serves_and_stops_on_sigterm_or_ctrl_c(tmp_path, stop):
    smtp_port, web_port = free_port(), free_port()
    process = subprocess.Popen(
        sink_command(smtp_port, web_port, tmp_path / "mail"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=SINK_ENV,
        cwd=Path(__file__).resolve().parents[4],
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{web_port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "the sink did not start"
                time.sleep(0.1)
        assert "まだメールは届いていません" in page.text
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example.jp", "b@example.jp", "コマンドから"
        msg.set_content("本文")
        send(smtp_port, msg)
        assert "コマンドから" in httpx.get(f"http://127.0.0.1:{web_port}/", timeout=5).text
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err.decode()
    assert f"127.0.0.1:{smtp_port}" in out.decode()
    for port in (smtp_port, web_port):  # both given back (no listener left; as the servers bind)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


@pytest.mark.slow
def test_the_command_says_when_its_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = subprocess.run(
            sink_command(taken.getsockname()[1], free_port(), tmp_path / "mail"),
            capture_output=True,
            text=True,
            env=SINK_ENV,
            cwd=Path(__file__).resolve().parents[4],
            timeout=60,
        )
    assert done.returncode == 1
    assert "cannot listen on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr
