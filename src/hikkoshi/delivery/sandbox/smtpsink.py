"""The demo's SMTP sink (メール受信箱): every mail the portal sends, kept and shown on a web page.

It stands in for the organisations' mail servers and for an e-mail-to-fax gateway: an aiosmtpd
server on 127.0.0.1 accepts any mail for anyone and stores it as an ``.eml`` file (written to a
hidden temporary name, fsynced, then renamed), with the envelope in ``X-Sink-*`` headers above
the message. A small web server (http.server, in a thread) lists the mails newest first and
shows each: headers decoded, the text, the attachments to download, and TIFF fax images page by
page as PNG (stretched to the right proportions: fax pixels are 204 × 196 dpi).

A local development tool: it listens on 127.0.0.1 only, serves nothing but its own folder,
and escapes everything it prints into HTML.
"""

import email
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import io
import logging
import os
from pathlib import Path
import re
import secrets
import threading
import time
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from PIL import Image

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
_NAME = re.compile(r"^\d{20}-[0-9a-f]{12}\.eml$")
_ROUTE = re.compile(
    r"^/mail/(?P<name>[^/]+)"
    r"(?:/(?P<what>raw|part/(?P<part>\d+)(?:/page/(?P<page>\d+)\.png)?))?$"
)


# -- the mails on disk ---------------------------------------------------------------------------


class MailStore:
    """The ``.eml`` files of one folder, named ``<nanoseconds>-<random>.eml`` (sorted by time)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def save(self, content: bytes, *, mail_from: str, rcpt_tos: list[str], peer: str = "") -> str:
        """Store one received mail with its envelope; return its name."""
        name = f"{time.time_ns():020d}-{secrets.token_hex(6)}.eml"
        envelope = (
            f"X-Sink-Mail-From: {_header_safe(mail_from)}\r\n"
            f"X-Sink-Rcpt-To: {_header_safe(', '.join(rcpt_tos))}\r\n"
            f"X-Sink-Peer: {_header_safe(peer)}\r\n"
            f"X-Sink-Received: {formatdate(localtime=True)}\r\n"
        ).encode("ascii", "replace")
        temporary = self.directory / f".{name}.tmp"
        with open(temporary, "wb") as out:
            out.write(envelope + content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.directory / name)
        return name

    def names(self) -> list[str]:
        """Every stored mail, newest first."""
        return sorted((p.name for p in self.directory.iterdir() if _NAME.match(p.name)), reverse=True)

    def path(self, name: str) -> Path | None:
        if not _NAME.match(name):
            return None
        path = self.directory / name
        return path if path.is_file() else None

    def load(self, name: str) -> EmailMessage | None:
        path = self.path(name)
        if path is None:
            return None
        with open(path, "rb") as f:
            return email.message_from_binary_file(f, policy=policy.default)


def _header_safe(text: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in str(text))[:500]


def attachments(msg: EmailMessage) -> list[EmailMessage]:
    """The message's attachments in order (an empty list for a single-part message)."""
    if not msg.is_multipart():
        return []
    return list(msg.iter_attachments())


def text_body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        content: str = part.get_content()  # a text part's content is its text
    except (LookupError, ValueError):
        return payload(part).decode("utf-8", "replace")
    return content


def payload(part: MIMEPart) -> bytes:
    """A (non-multipart) part's content, its transfer encoding undone (empty for a multipart)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def tiff_pages(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return getattr(image, "n_frames", 1)


def tiff_page_png(data: bytes, page: int) -> bytes:
    """One page of a TIFF as PNG, its height scaled so a fax page keeps its proportions."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(page)
        picture = image.convert("L")
        xdpi, ydpi = (float(v) for v in image.info.get("dpi", (1, 1)))
    if xdpi > 0 and ydpi > 0 and abs(xdpi - ydpi) > 1:
        picture = picture.resize((picture.width, round(picture.height * xdpi / ydpi)), Image.Resampling.BOX)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=False)
    return out.getvalue()


# -- SMTP ----------------------------------------------------------------------------------------


class _Handler:
    def __init__(self, store: MailStore):
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        # The bytes as received (``content`` is text only for a server that decodes: not ours).
        received = envelope.original_content or envelope.content or b""
        name = self.store.save(
            received.encode("utf-8", "surrogateescape") if isinstance(received, str) else received,
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            peer=peer,
        )
        logger.info("smtpsink_stored file=%s", name)
        return "250 2.0.0 Stored in the hikkoshi sink"


# -- the web page --------------------------------------------------------------------------------

STYLE = """
body{font-family:"IPAexGothic","Noto Sans CJK JP",sans-serif;margin:2rem auto;max-width:60rem;
padding:0 1rem;color:#111;line-height:1.5}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#eee}pre{white-space:pre-wrap;background:#f6f6f6;
padding:1rem;border:1px solid #ccc}img.page{max-width:100%;border:1px solid #666;margin:.5rem 0;
display:block}.en{color:#555;font-size:.9em}a{color:#0645ad}
"""


def _page(title: str, body: str) -> bytes:
    return (
        f'<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    ).encode()


def _both(ja: str, en: str) -> str:
    return f'{escape(ja)} <span class="en" lang="en">{escape(en)}</span>'


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return str(msg.get(name, "") or "")
    except (ValueError, IndexError, TypeError):  # a header even the default policy cannot parse
        return str(msg.get_all(name, [""])[0])


def _received(msg: EmailMessage) -> str:
    value = _header(msg, "X-Sink-Received") or _header(msg, "Date")
    try:
        return parsedate_to_datetime(value).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return value


def _attachment_label(part: EmailMessage) -> str:
    return f"{part.get_filename() or '(no name)'} ({part.get_content_type()})"


def list_page(store: MailStore) -> bytes:
    rows = []
    for name in store.names():
        msg = store.load(name)
        if msg is None:
            continue
        files = "<br>".join(escape(_attachment_label(p)) for p in attachments(msg)) or "—"
        rows.append(
            f"<tr><td>{escape(_received(msg))}</td><td>{escape(_header(msg, 'From'))}</td>"
            f"<td>{escape(_header(msg, 'To') or _header(msg, 'X-Sink-Rcpt-To'))}</td>"
            f'<td><a href="/mail/{quote(name)}">{escape(_header(msg, "Subject") or "(件名なし)")}</a></td>'
            f"<td>{files}</td></tr>"
        )
    table = (
        f"<table><thead><tr><th>{_both('受信日時', 'Received')}</th><th>{_both('差出人', 'From')}</th>"
        f"<th>{_both('宛先', 'To')}</th><th>{_both('件名', 'Subject')}</th>"
        f"<th>{_both('添付', 'Attachments')}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else f"<p>{_both('まだメールは届いていません。', 'No mail yet.')}</p>"
    )
    body = (
        f"<h1>{_both('hikkoshi メール受信箱', 'SMTP sink')}</h1>"
        f"<p>{
            _both(
                'ポータルが送ったメールと FAX（メール→FAX ゲートウェイ宛て）を新しい順に表示します。',
                'Mail (and faxes for the e-mail-to-fax gateway) the portal sent, newest first.',
            )
        }"
        f' <a href="/">{_both("更新", "Reload")}</a></p>{table}'
    )
    return _page("hikkoshi メール受信箱 / SMTP sink", body)


def mail_page(store: MailStore, name: str, msg: EmailMessage) -> bytes:
    base = f"/mail/{quote(name)}"
    heads = "".join(
        f"<tr><th>{_both(ja, en)}</th><td>{escape(_header(msg, en))}</td></tr>"
        for ja, en in (
            ("差出人", "From"),
            ("宛先", "To"),
            ("件名", "Subject"),
            ("日付", "Date"),
            ("メッセージID", "Message-ID"),
        )
    )
    heads += (
        f"<tr><th>{_both('エンベロープ', 'Envelope')}</th><td>"
        f"{escape(_header(msg, 'X-Sink-Mail-From'))} → "
        f"{escape(_header(msg, 'X-Sink-Rcpt-To'))}</td></tr>"
    )
    text = text_body(msg)
    sections = [f"<h2>{_both('本文', 'Text')}</h2><pre>{escape(text)}</pre>" if text else ""]
    for index, part in enumerate(attachments(msg)):
        link = f"{base}/part/{index}"
        sections.append(
            f"<h2>{_both('添付', 'Attachment')} {index + 1}: "
            f'<a href="{link}">{escape(_attachment_label(part))}</a></h2>'
        )
        if part.get_content_type() == "image/tiff":
            try:
                pages = tiff_pages(payload(part))
            except (OSError, ValueError):
                sections.append(f"<p>{_both('TIFF を読めません。', 'Unreadable TIFF.')}</p>")
                continue
            sections.append(f"<p>{_both(f'FAX {pages} 枚', f'{pages} fax page(s)')}</p>")
            sections += [
                f'<img class="page" src="{link}/page/{page}.png" alt="{escape(f"page {page + 1} of {pages}")}">'
                for page in range(pages)
            ]
    body = (
        f'<p><a href="/">← {_both("一覧", "All mail")}</a> · <a href="{base}/raw">'
        f"{_both('元のメール', 'Raw message')}</a></p>"
        f"<h1>{escape(_header(msg, 'Subject') or '(件名なし)')}</h1><table>{heads}</table>" + "".join(sections)
    )
    return _page(_header(msg, "Subject") or "mail", body)


class _WebHandler(BaseHTTPRequestHandler):
    store: MailStore  # set on the subclass made per server
    server_version = "hikkoshi-smtpsink"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path == "/":
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", list_page(self.store))
        match = _ROUTE.match(path)
        msg = self.store.load(match["name"]) if match else None
        raw = self.store.path(match["name"]) if match and match["what"] == "raw" else None
        if match is None or msg is None or (match["what"] == "raw" and raw is None):  # (gone meanwhile)
            return self._send(
                HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", "見つかりません / Not found\n".encode()
            )
        if match["what"] is None:
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", mail_page(self.store, match["name"], msg))
        if raw is not None:
            return self._send(HTTPStatus.OK, "text/plain; charset=utf-8", raw.read_bytes())
        parts = attachments(msg)
        index = int(match["part"])
        if index >= len(parts):
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n")
        part = parts[index]
        data = payload(part)
        if match["page"] is not None:
            try:
                png = tiff_page_png(data, int(match["page"]))
            except (EOFError, OSError, ValueError):
                return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"No such page\n")
            return self._send(HTTPStatus.OK, "image/png", png)
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", part.get_filename() or f"part-{index}")
        return self._send(
            HTTPStatus.OK, part.get_content_type(), data, {"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    def _send(self, status: HTTPStatus, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        logger.debug("smtpsink web: " + format, *args)  # noqa: G003 (http.server's format, still lazy)


# -- both together -------------------------------------------------------------------------------


class SmtpSink:
    """The SMTP server and its web page; ``with SmtpSink(dir, smtp_port=…, web_port=0) as sink``.

    ``web_port=0`` takes a free port (``sink.web_port`` says which); the SMTP port must be given.
    """

    def __init__(
        self, directory: str | os.PathLike[str], *, smtp_port: int = 8025, web_port: int = 8402, host: str = HOST
    ):
        self.store = MailStore(directory)
        self.host = host
        self.smtp_port = smtp_port
        self._controller = Controller(_Handler(self.store), hostname=host, port=smtp_port)
        handler = type("Handler", (_WebHandler,), {"store": self.store})
        self._web = ThreadingHTTPServer((host, web_port), handler, bind_and_activate=False)
        self._web.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def web_port(self) -> int:
        return self._web.server_address[1]

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}/"

    def start(self) -> "SmtpSink":
        self._web.server_bind()
        self._web.server_activate()
        try:
            self._controller.start()
        except BaseException:
            self._web.server_close()
            # aiosmtpd leaves the event loop it made open when it cannot listen: closed here, not
            # by the garbage collector as the process ends (which, as things fell, printed a
            # traceback after the command's clear message).
            loop = self._controller.loop
            if not loop.is_running() and not loop.is_closed():
                loop.close()
            raise
        self._thread = threading.Thread(
            target=self._web.serve_forever, kwargs={"poll_interval": 0.1}, name="smtpsink-web", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
        self._web.shutdown()
        self._web.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
