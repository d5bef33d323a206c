"""Fax images as a fax machine reads them (tiffinfo, HylaFAX's tiffcheck), fax numbers, and the
three gateways: spool folder, e-mail-to-fax (to the demo's SMTP sink), HylaFAX (the local hfaxd)."""

import email
from email import policy
import ftplib
import io
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid

from PIL import Image
import pytest
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from hikkoshi.delivery import channels
from hikkoshi.delivery.channels.base import DeliveryError, Outgoing
from hikkoshi.delivery.channels.fax import FaxChannel, render_fax
from hikkoshi.delivery.faxfile import display_fax_number, normalise_fax_number, pdfs_to_tiff_f
from hikkoshi.documents.application import render_application
from hikkoshi.documents.samples import sample_move
from hikkoshi.serving import free_port

NUMBER = "011-210-5555"

needs_tiffinfo = pytest.mark.skipif(
    not shutil.which("tiffinfo"), reason="tiffinfo is not installed: apt-get install libtiff-tools"
)


def outgoing(*, number: str | None = NUMBER, key: str | None = None, attempt: int = 1) -> Outgoing:
    record = sample_move()
    entry = next(p for p in record.procedures if p.slug == "doshin-subscription")
    return Outgoing(
        delivery_id=11,
        idempotency_key=key or str(uuid.uuid4()),
        attempt=attempt,
        procedure=entry.slug,
        organisation="doshin",
        organisation_name="北海道新聞",
        settings={"fax_number": number} if number is not None else {},
        record=record,
        entry=entry,
        application={},
    )


def tiffinfo(data: bytes, tmp_path) -> str:
    path = tmp_path / f"fax-{uuid.uuid4().hex}.tif"
    path.write_bytes(data)
    return subprocess.run(["tiffinfo", str(path)], capture_output=True, text=True, check=True, timeout=30).stdout


def assert_fax_machine_reads(info: str, pages: int) -> None:
    """What tiffinfo must show for TIFF-F at fine resolution, every page."""
    assert info.count("=== TIFF directory") == pages
    for name, count in (
        ("Image Width: 1728 ", pages),
        ("Resolution: 204, 196 pixels/inch", pages),
        ("Compression Scheme: CCITT Group 4", pages),
        ("Bits/Sample: 1", pages),
        ("Photometric Interpretation: min-is-white", pages),
    ):
        assert info.count(name) == count, name
    for page in range(pages):
        assert f"Page Number: {page}-{pages}" in info


def landscape_pdf() -> bytes:
    out = io.BytesIO()
    c = Canvas(out, pagesize=landscape(A4))
    c.setFont("Helvetica", 40)
    c.drawString(100, 300, "landscape")
    c.showPage()
    c.save()
    return out.getvalue()


# -- the image -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fax_image():
    """Cover sheet + 申込書 as the channel renders them: (tiff, pages)."""
    return render_fax(outgoing(), NUMBER)


def test_the_pdfs_rasterised_for_a_fax_are_made_undeflated_and_give_the_same_pages():
    """The fax channel renders its 申込書 and 送付状 without deflating their streams (they never
    leave the process): the same pixels as the deflated PDFs an e-mail carries."""
    from datetime import datetime, timezone

    from hikkoshi.delivery.faxfile import rasterise
    from hikkoshi.documents.fax_cover import render_fax_cover

    o = outgoing()
    cover = dict(
        to_name=o.organisation_name,
        to_number=NUMBER,
        from_name="hikkoshi",
        from_number="011-000-0000",
        pages=2,
        procedure_name=o.entry.name,
        application_id=o.record.id,
        portal_url="https://portal.example.jp",
        sent_at=datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc),
    )
    pairs = [
        (render_application(o.record, o.entry), render_application(o.record, o.entry, compress=False)),
        (render_fax_cover(**cover), render_fax_cover(**cover, compress=False)),
    ]
    for deflated, plain in pairs:
        assert b"/FlateDecode" in deflated and b"/FlateDecode" not in plain
        assert [page.tobytes() for page in rasterise(plain)] == [page.tobytes() for page in rasterise(deflated)]


@needs_tiffinfo
def test_fax_image_is_tiff_f_as_a_fax_machine_reads_it(fax_image, tmp_path):
    tiff, pages = fax_image
    assert pages == 2  # the cover sheet and a one-page form
    assert_fax_machine_reads(tiffinfo(tiff, tmp_path), pages)


def test_pages_are_black_ink_on_white(fax_image):
    tiff, pages = fax_image
    with Image.open(io.BytesIO(tiff)) as image:
        assert image.n_frames == pages
        for page in range(pages):
            image.seek(page)
            assert image.mode == "1" and image.size[0] == 1728
            assert 2200 < image.size[1] <= 2292  # A4 at 196 lines/inch, not over 297 mm
            grey = image.convert("L")
            black = grey.histogram()[0] / (grey.width * grey.height)
            assert 0.002 < black < 0.2  # text on paper: neither blank nor inverted


@pytest.mark.skipif(not shutil.which("tiffcheck"), reason="HylaFAX's tiffcheck is not installed")
def test_hylafax_accepts_the_image_unchanged(fax_image, tmp_path):
    path = tmp_path / "fax.tif"
    path.write_bytes(fax_image[0])
    out = subprocess.run(
        ["tiffcheck", "-3", "-r", "196", "-w", "1728", "-l", "297", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.stdout.strip() == "OK", out.stdout


@needs_tiffinfo
def test_several_pdfs_one_file_and_group3(tmp_path):
    form = render_application(sample_move(), outgoing().entry)
    tiff, pages = pdfs_to_tiff_f([form, landscape_pdf(), form])
    assert pages == 3
    assert_fax_machine_reads(tiffinfo(tiff, tmp_path), 3)
    with Image.open(io.BytesIO(tiff)) as image:
        image.seek(1)  # the landscape page, turned upright
        assert image.size[0] == 1728 and image.size[1] > 1728

    g3, pages = pdfs_to_tiff_f([form], compression="group3")
    info = tiffinfo(g3, tmp_path)
    assert "Compression Scheme: CCITT Group 3" in info and "Image Width: 1728 " in info
    with pytest.raises(ValueError):
        pdfs_to_tiff_f([form], compression="lzw")


# -- fax numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, digits",
    [
        ("011-211-2222", "0112112222"),
        ("０１１（２１１）２２２２", "0112112222"),
        ("(011) 211-2222", "0112112222"),
        ("0112112222", "0112112222"),
        ("+81 11 211 2222", "0112112222"),
        ("+81-(0)11-211-2222", "0112112222"),
        ("０３ー１２３４ー５６７８", "0312345678"),
        ("0120-123-456", "0120123456"),
        ("050-1234-5678", "05012345678"),
        ("0800-123-4567", "08001234567"),
    ],
)
def test_fax_numbers_normalised(typed, digits):
    assert normalise_fax_number(typed) == digits


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "fax",
        "12345",
        "011-211-222",
        "011-211-22222",
        "090-1234-5678",
        "080 1234 5678",
        "0990-123-456",
        "+1 212 555 0100",
        "0011-211-2222",
        "011-211-2222 内線3",
    ],
)
def test_bad_fax_numbers_refused_in_english(typed):
    with pytest.raises(ValueError) as refused:
        normalise_fax_number(typed)
    message = str(refused.value)
    assert message.startswith("not a Japanese fax number")
    assert not any("\u3040" <= c <= "\u30ff" for c in message)  # English, not the request's Japanese


def test_display_keeps_the_groups():
    assert display_fax_number("０１１（２１１）２２２２") == "011-211-2222"


# -- the channel ---------------------------------------------------------------------------------


@pytest.fixture
def spool(settings, tmp_path):
    folder = tmp_path / "spool"
    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "spool", "spool_dir": str(folder)}
    return folder


def test_missing_or_bad_number_is_final(spool):
    for number, code in (
        (None, "not_configured"),
        ("", "not_configured"),
        ("090-1234-5678", "bad_fax_number"),
        ("abc", "bad_fax_number"),
    ):
        with pytest.raises(DeliveryError) as failed:
            channels.get("fax").send(outgoing(number=number))
        assert (failed.value.code, failed.value.retryable) == (code, False)
    assert not spool.exists() or not any(spool.iterdir())


def test_unknown_gateway_is_final(settings):
    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "pigeon"}
    with pytest.raises(DeliveryError) as failed:
        FaxChannel().send(outgoing())
    assert (failed.value.code, failed.value.retryable) == ("not_configured", False)


@needs_tiffinfo
def test_spool_writes_once(spool, tmp_path):
    key = str(uuid.uuid4())
    outcome = FaxChannel().send(outgoing(key=key))
    assert outcome.message_id == f"spool:{key}.tif"
    assert outcome.receipt == {"gateway": "spool", "pages": 2}
    image, meta = spool / f"{key}.tif", spool / f"{key}.json"
    assert sorted(p.name for p in spool.iterdir()) == [meta.name, image.name]  # no temporary files left
    assert_fax_machine_reads(tiffinfo(image.read_bytes(), tmp_path), 2)
    data = json.loads(meta.read_text())
    assert data["number"] == "0112105555" and data["pages"] == 2
    assert "札幌" not in meta.read_text()  # nothing about the mover
    written = image.stat()

    again = FaxChannel().send(outgoing(key=key, attempt=2))
    assert again.message_id == outcome.message_id
    assert (image.stat().st_ino, image.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    assert len(list(spool.iterdir())) == 2

    image.rename(spool / f"{key}.tif.sent")  # the sending program keeps what it sent
    FaxChannel().send(outgoing(key=key, attempt=3))
    assert not image.exists()

    # What a writer killed between writing and linking would leave (write_once's hidden name).
    (spool / f".{key}.tif.0123456789ab.tmp").write_bytes(b"II*\x00")
    (spool / "someone-else.tif").write_bytes(b"II*\x00")
    assert FaxChannel().forget(key) == 3
    assert [p.name for p in spool.iterdir()] == ["someone-else.tif"]


def test_forget_removes_the_image_under_any_suffix_and_its_metadata(spool):
    key = str(uuid.uuid4())
    other = str(uuid.uuid4())
    for k in (key, other):
        FaxChannel().send(outgoing(key=k))
    (spool / f"{key}.tif").rename(spool / f"{key}.tif.sent")  # the sending program keeps what it sent
    assert channels.get("fax").forget(key) == 2
    assert sorted(p.name for p in spool.iterdir()) == [f"{other}.json", f"{other}.tif"]  # only that delivery's
    assert channels.get("fax").forget(key) == 0  # gone already: nothing to do


def test_a_spool_folder_that_cannot_be_written_is_retryable(settings, tmp_path):
    in_the_way = tmp_path / "spool"
    in_the_way.write_text("a file where the folder should be")
    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "spool", "spool_dir": str(in_the_way / "fax")}
    with pytest.raises(DeliveryError) as failed:
        FaxChannel().send(outgoing())
    assert (failed.value.code, failed.value.retryable) == ("spool_error", True)
    assert failed.value.detail == "NotADirectoryError in the fax spool folder"


@pytest.mark.slow
@needs_tiffinfo
def test_email_gateway_delivers_the_tiff_to_the_sink(fax_mail_gateway, settings, tmp_path):
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "from": "hikkoshi <fax@hikkoshi.example>"}
    key = str(uuid.uuid4())
    outcome = FaxChannel().send(outgoing(key=key))
    [name] = fax_mail_gateway.store.names()
    raw = fax_mail_gateway.store.path(name).read_bytes()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["To"] == "0112105555@fax.example"
    assert msg["X-Sink-Rcpt-To"] == "0112105555@fax.example"
    assert msg["Message-ID"] == outcome.message_id == f"<{key}@hikkoshi.example>"
    assert "新聞の購読申込み" in msg["Subject"]
    [part] = list(msg.iter_parts())  # the image alone: a text part would be faxed as a page
    assert part.get_content_type() == "image/tiff"
    assert part.get_filename() == "fax-5b0e7c4e-3c1a-4f0e-9d8b-2a6f1c9e7d30.tif"
    assert_fax_machine_reads(tiffinfo(part.get_content(), tmp_path), 2)


# -- HylaFAX -------------------------------------------------------------------------------------


def hylafax_greeting() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 4559), timeout=2) as s:
            s.settimeout(2)
            return s.recv(200).decode("ascii", "replace")
    except OSError:
        return ""


def hylafax_jobs(user: str = "hikkoshi") -> dict[str, tuple[str, str, str]]:
    """{job id: (tag, state, number)} of the send queue, by the client protocol."""
    client = ftplib.FTP(timeout=10)  # noqa: S321 (HylaFAX's own protocol)
    client.connect("127.0.0.1", 4559)
    client.login(user)
    client.sendcmd('JOBFMT "%j|%J|%a|%e"')
    lines: list[str] = []
    client.retrlines("LIST sendq", lines.append)
    client.quit()
    jobs = {}
    for line in lines:
        job, tag, state, number = (field.strip() for field in line.split("|"))
        jobs[job] = (tag, state, number)
    return jobs


def hylafax_remove(job: str, user: str = "hikkoshi") -> None:
    client = ftplib.FTP(timeout=10)  # noqa: S321 (HylaFAX's own protocol)
    client.connect("127.0.0.1", 4559)
    client.login(user)
    try:
        client.sendcmd(f"JKILL {job}")
    except ftplib.Error:
        pass
    for _ in range(20):  # faxq moves a killed job to the done queue in its own time
        try:
            client.sendcmd(f"JDELE {job}")
            break
        except ftplib.Error:
            time.sleep(0.1)
    client.quit()


@pytest.fixture
def hylafax(settings):
    greeting = hylafax_greeting()
    if "HylaFAX" not in greeting:
        pytest.skip("no HylaFAX server answers on 127.0.0.1:4559 (scripts/hylafax-local starts one)")
    settings.HIKKOSHI_FAX = {
        **settings.HIKKOSHI_FAX,
        "gateway": "hylafax",
        "hylafax_host": "127.0.0.1",
        "hylafax_port": 4559,
        "hylafax_user": "hikkoshi",
        "hylafax_password": "",
    }
    made = []
    yield made
    for job in made:
        hylafax_remove(job)


@pytest.mark.slow
def test_hylafax_gateway_queues_one_job(hylafax):
    key = str(uuid.uuid4())
    outcome = FaxChannel().send(outgoing(key=key))
    assert outcome.message_id.startswith("hylafax:")
    job = outcome.message_id.removeprefix("hylafax:")
    hylafax.append(job)
    tag, state, number = hylafax_jobs()[job]
    assert (tag, number) == (key, "0112105555")
    assert state in "PSBWTR"  # pending, sleeping, blocked, waiting (no modem here), …: queued

    again = FaxChannel().send(outgoing(key=key, attempt=2))  # an unclear first outcome: no second fax
    assert again.message_id == outcome.message_id
    assert [j for j, (t, _s, _n) in hylafax_jobs().items() if t == key] == [job]


class FakeHfaxd:
    """A server on 127.0.0.1 that greets like hfaxd and answers the login with ``reply`` (by
    default a refusal; None: it hangs up), or never greets."""

    def __init__(self, *, greet: bool = True, reply: bytes | None = b"530 User hikkoshi access denied."):
        self.greet = greet
        self.reply = reply
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.listener.accept()
        with conn:
            if not self.greet:
                conn.recv(100)  # until the client gives up
                return
            conn.sendall(b"220 fake server (HylaFAX (tm) Version 6.0.7) ready.\r\n")
            conn.recv(100)
            if self.reply is None:
                return
            conn.sendall(self.reply + b"\r\n")
            conn.recv(100)

    def close(self):
        self.listener.close()
        self.thread.join(timeout=5)


@pytest.mark.parametrize(
    "greet, reply, code, retryable",
    [
        (True, b"530 User hikkoshi access denied.", "hylafax_530", False),
        (True, b"421 Service not available, closing control connection.", "hylafax_421", True),
        (True, None, "hylafax_disconnected", True),
        (False, None, "timeout", True),
    ],
)
def test_hylafax_refusal_is_final_silence_retryable(settings, greet, reply, code, retryable):
    fake = FakeHfaxd(greet=greet, reply=reply)
    settings.HIKKOSHI_FAX = {
        **settings.HIKKOSHI_FAX,
        "gateway": "hylafax",
        "hylafax_host": "127.0.0.1",
        "hylafax_port": fake.port,
        "timeout": 0.5,
    }
    try:
        with pytest.raises(DeliveryError) as failed:
            FaxChannel().send(outgoing())
    finally:
        fake.close()
    assert (failed.value.code, failed.value.retryable) == (code, retryable)


def test_hylafax_not_listening_is_retryable(settings):
    settings.HIKKOSHI_FAX = {
        **settings.HIKKOSHI_FAX,
        "gateway": "hylafax",
        "hylafax_host": "127.0.0.1",
        "hylafax_port": free_port(),
    }
    with pytest.raises(DeliveryError) as failed:
        FaxChannel().send(outgoing())
    assert (failed.value.code, failed.value.retryable) == ("connection_refused", True)
