"""FAX: a cover sheet (FAX送付状) and the 申込書 as one TIFF-F, through the fax gateway of settings.

The procedure's channel settings give the number (``{"fax_number": "011-211-2222"}``);
``settings.HIKKOSHI_FAX["gateway"]`` says how the image leaves:

* ``email``: an e-mail to ``HIKKOSHI_FAX["email_address"].format(number=<digits>)`` (an
  e-mail-to-fax service) with the TIFF as its only part, by the SMTP of ``HIKKOSHI_SMTP``; the
  Message-ID is made from the delivery's idempotency key as for the e-mail channel.
* ``hylafax``: a job on a HylaFAX server, by its client protocol (RFC 959-like, port 4559):
  the TIFF stored with ``STOT``, a job made with ``JNEW`` and its parameters (``JPARM``), then
  ``JSUBM``. The job carries the idempotency key as its ``JOBINFO`` tag; an attempt that finds a
  job with its tag already queued (or done) takes that job instead of faxing twice.
* ``spool``: ``<spool_dir>/<idempotency key>.tif`` and a small ``.json`` beside it (number,
  pages, delivery and procedure; nothing about the mover) for another program to send. Both are
  written atomically (a hidden temporary name, fsync, then linked into place: the ``.json``
  first, so a ``.tif`` is complete with its ``.json``) and never twice for one key. A sender that
  keeps a sent file should rename it ``<name>.tif.<anything>`` (``.tif.sent``): that counts as
  written too.

For every gateway "delivered" means the gateway has the fax; whether the far machine answered is
the gateway's to report.
"""

from email.message import EmailMessage
from email.utils import formatdate
import ftplib
import io
import json
import logging
import os
from pathlib import Path
import re
import secrets
from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from hikkoshi.channels import Channel, Setting, StandIns
from hikkoshi.directory.validators import validate_contact
from hikkoshi.documents.application import render_application
from hikkoshi.documents.fax_cover import render_fax_cover
from hikkoshi.documents.notice import render_notice

from .. import smtp
from .base import DeliveryError, JSONObject, Outcome, Outgoing
from .email import application_label

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..notices import NoticeOutgoing

logger = logging.getLogger(__name__)

GATEWAYS = ("email", "hylafax", "spool")


class FaxSettings(TypedDict):
    """``settings.HIKKOSHI_FAX``; each gateway reads its own keys (settings.base sets them all)."""

    gateway: NotRequired[str]  # "email", "hylafax" or "spool"
    email_address: NotRequired[str]  # with {number}
    hylafax_host: NotRequired[str]
    hylafax_port: NotRequired[int]
    hylafax_user: NotRequired[str]
    hylafax_password: NotRequired[str]
    spool_dir: NotRequired[str]
    compression: NotRequired[str]  # "group4" or "group3"
    sender_name: NotRequired[str]
    sender_number: NotRequired[str]


def config() -> FaxSettings:
    # The settings module makes it a plain dict (django-stubs: dict[str, object]); its keys and
    # their types are the ones above.
    return cast(FaxSettings, settings.HIKKOSHI_FAX)


def render_fax(outgoing: Outgoing, number: str) -> tuple[bytes, int]:
    """(TIFF-F of the cover sheet and the 申込書, its page count) for ``number`` as printed."""
    from .. import faxfile  # imported where it faxes: the portal's pages read this channel's declarations

    cfg = config()
    # The PDFs never leave this process (the gateway gets the TIFF): not deflated, which was a
    # quarter of their making.
    form = render_application(outgoing.record, outgoing.entry, outgoing.shares, answer=outgoing.answer, compress=False)
    pages = 1 + faxfile.page_count(form)
    cover = render_fax_cover(
        to_name=outgoing.organisation_name,
        to_number=number,
        from_name=cfg.get("sender_name", ""),
        from_number=cfg.get("sender_number", ""),
        pages=pages,
        procedure_name=outgoing.entry.name,
        application_id=outgoing.record.number or outgoing.record.id,  # 申請番号 (older moves: the id)
        portal_url=settings.HIKKOSHI_PORTAL_URL,
        sent_at=timezone.now(),
        application_number=outgoing.record.number,
        answer=outgoing.answer,
        compress=False,
    )
    tiff, count = faxfile.pdfs_to_tiff_f([cover, form], compression=cfg.get("compression", "group4"))
    if count != pages:  # the cover sheet promised a page count
        raise DeliveryError("internal_error", f"cover says {pages} pages, image has {count}", retryable=False)
    return tiff, pages


def validate_fax_number(value: object) -> None:
    # A procedure's settings are JSON: a number or a list there is no fax number either (and
    # would have crashed the check instead of failing it).
    validate_contact("fax", value if isinstance(value, str) else "")


class FaxChannel(Channel):
    name = "fax"
    label = _("Fax")
    document_label = pgettext_lazy("document", "Fax")
    settings_schema = (
        Setting(
            "fax_number", _("The organisation's fax number, such as 011-211-2222."), validators=(validate_fax_number,)
        ),
    )

    def send(self, outgoing: Outgoing) -> Outcome:
        shown, gateway = _destination(outgoing)
        digits = shown.replace("-", "")
        tiff, pages = render_fax(outgoing, shown)
        outgoing.check_claim()  # rendering takes a while: still this worker's to send?
        outcome = GATEWAY_SENDERS[gateway](outgoing, digits, tiff, pages)
        outcome.receipt = {"gateway": gateway, "pages": pages, **outcome.receipt}
        logger.info(
            "fax_handed_over delivery=%s channel=fax attempt=%d gateway=%s pages=%d",
            outgoing.delivery_id,
            outgoing.attempt,
            gateway,
            pages,
        )
        return outcome

    def send_notice(self, outgoing: "NoticeOutgoing") -> Outcome:
        """A withdrawal (one page: 申請取下げのお知らせ) or a correction (申請内容訂正のお知らせ and
        the corrected 申込書) to the same number, through the same gateway."""
        shown, gateway = _destination(outgoing)
        tiff, pages = render_notice_fax(outgoing, shown)
        outgoing.check_claim()
        outcome = GATEWAY_SENDERS[gateway](outgoing, shown.replace("-", ""), tiff, pages)
        outcome.receipt = {"gateway": gateway, "pages": pages, **outcome.receipt}
        logger.info(
            "fax_notice_handed_over delivery=%s channel=fax kind=%s gateway=%s pages=%d",
            outgoing.delivery_id,
            outgoing.kind,
            gateway,
            pages,
        )
        return outcome

    def forget(self, idempotency_key: str) -> int:
        """The delivery's files in the spool folder (``forget_spooled``)."""
        return forget_spooled(idempotency_key)

    def stand_in_settings(self, *, procedure: str, organisation: str, stand_ins: StandIns) -> JSONObject:
        return {"fax_number": stand_ins.fax_number}


def _destination(outgoing: Outgoing) -> tuple[str, str]:
    """(the fax number as printed, the gateway), or a final ``DeliveryError``."""
    from .. import faxfile

    typed = str(outgoing.settings.get("fax_number") or "").strip()
    if not typed:
        raise DeliveryError("not_configured", "the procedure has no fax number (fax_number)", retryable=False)
    try:
        shown = faxfile.display_fax_number(typed)
    except ValueError as exc:
        raise DeliveryError("bad_fax_number", str(exc), retryable=False) from None
    gateway = config().get("gateway", "")
    if gateway not in GATEWAYS:
        raise DeliveryError("not_configured", f"unknown fax gateway {gateway!r}", retryable=False)
    return shown, gateway


def render_notice_fax(outgoing: "NoticeOutgoing", number: str) -> tuple[bytes, int]:
    """(TIFF-F of a withdrawal or correction notice, its page count)."""
    from .. import faxfile

    cfg = config()
    form = (
        render_application(outgoing.record, outgoing.entry, compress=False) if outgoing.kind == "correction" else None
    )
    pages = 1 + (faxfile.page_count(form) if form else 0)
    notice = render_notice(
        kind=outgoing.kind,
        to_name=outgoing.organisation_name,
        to_number=number,
        from_name=cfg.get("sender_name", ""),
        from_number=cfg.get("sender_number", ""),
        pages=pages,
        procedure_name=outgoing.entry.name,
        number=outgoing.record.number or outgoing.record.id,
        sent_on=outgoing.original_sent_at,
        reference=outgoing.original_reference,
        changes=outgoing.changes,
        portal_url=settings.HIKKOSHI_PORTAL_URL,
        sent_at=timezone.now(),
    )
    tiff, count = faxfile.pdfs_to_tiff_f(
        [notice] + ([form] if form else []), compression=cfg.get("compression", "group4")
    )
    if count != pages:
        raise DeliveryError("internal_error", f"notice says {pages} pages, image has {count}", retryable=False)
    return tiff, pages


def image_name(outgoing: Outgoing) -> str:
    return f"fax-{outgoing.record.id}.tif"


# -- e-mail-to-fax -------------------------------------------------------------------------------


def send_by_email(outgoing: Outgoing, digits: str, tiff: bytes, pages: int) -> Outcome:
    msg = EmailMessage()
    msg["From"] = smtp.sender()
    msg["To"] = config()["email_address"].format(number=digits)
    what = {"withdrawal": " 取下げ", "correction": " 訂正"}.get(getattr(outgoing, "kind", ""), "")
    msg["Subject"] = f"【引越し申請 FAX{what}】{outgoing.entry.name}（{application_label(outgoing.record)}）"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = smtp.message_id_for(outgoing.idempotency_key)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Hikkoshi-Application"] = outgoing.record.id
    if outgoing.record.number:
        msg["X-Hikkoshi-Number"] = outgoing.record.number
    msg["X-Hikkoshi-Fax-Pages"] = str(pages)
    # The image is the message's only part: a gateway would fax a text part as another page.
    msg.add_attachment(tiff, maintype="image", subtype="tiff", filename=image_name(outgoing))
    return Outcome(message_id=smtp.send_message(msg))


# -- HylaFAX -------------------------------------------------------------------------------------

# Job parameters as HylaFAX's own sendfax sets them, for fine-resolution A4 pages.
JOB_PARAMETERS = (
    ("LASTTIME", "010000"),  # give up after a day (DDHHMM)
    ("MAXDIALS", "12"),
    ("MAXTRIES", "3"),
    ("SCHEDPRI", "127"),
    ("VRES", "196"),
    ("PAGEWIDTH", "209"),  # A4, in mm, as HylaFAX names it
    ("PAGELENGTH", "296"),
    ("NOTIFY", '"none"'),
    ("PAGECHOP", '"default"'),
    ("CHOPTHRESHOLD", "3"),
)
_JOB_ID = re.compile(r"jobid:\s*(\d+)", re.IGNORECASE)
_FILE = re.compile(r"FILE:\s*([^\s)]+)")


def _quoted(value: str) -> str:
    """A protocol string argument: printable ASCII in double quotes (quotes dropped)."""
    return '"' + "".join(c for c in value if " " <= c <= "~" and c not in '"\\') + '"'


def send_by_hylafax(outgoing: Outgoing, digits: str, tiff: bytes, pages: int) -> Outcome:
    cfg = config()
    host, port = cfg["hylafax_host"], int(cfg["hylafax_port"])
    tag = outgoing.idempotency_key
    client = ftplib.FTP(timeout=float(settings.HIKKOSHI_DELIVERY["timeout"]))  # noqa: S321 (HylaFAX's own protocol)
    try:
        client.connect(host, port)
        client.login(cfg.get("hylafax_user") or "hikkoshi", cfg.get("hylafax_password") or "")
        job = find_job(client, tag)
        if job is None:
            client.sendcmd("TYPE I")
            client.sendcmd("FORM TIFF")
            stored = client.storbinary("STOT", io.BytesIO(tiff))
            document = _FILE.search(stored)
            if not document:
                raise DeliveryError("hylafax_protocol", "STOT did not name the stored file", retryable=True)
            created = _JOB_ID.search(client.sendcmd("JNEW"))
            if not created:
                raise DeliveryError("hylafax_protocol", "JNEW did not give a job id", retryable=True)
            job = created.group(1)
            user = cfg.get("hylafax_user") or "hikkoshi"
            for name, value in (
                ("FROMUSER", _quoted(user)),
                ("JOBINFO", _quoted(tag)),
                ("DIALSTRING", _quoted(digits)),
                ("NOTIFYADDR", _quoted(smtp.sender_address())),
                *JOB_PARAMETERS,
            ):
                client.sendcmd(f"JPARM {name} {value}")
            client.sendcmd(f"JPARM DOCUMENT {document.group(1)}")
            client.sendcmd("JSUBM")
            logger.info("fax_hylafax_queued delivery=%s channel=fax job=%s", outgoing.delivery_id, job)
        else:
            logger.info("fax_hylafax_already_queued delivery=%s channel=fax job=%s", outgoing.delivery_id, job)
        try:
            client.quit()
        except (ftplib.Error, OSError, EOFError):
            pass  # the job is submitted; a rude goodbye changes nothing
    except ftplib.error_perm as exc:
        raise DeliveryError(f"hylafax_{_code(exc)}", _text(exc), retryable=False) from None
    except ftplib.error_temp as exc:
        raise DeliveryError(f"hylafax_{_code(exc)}", _text(exc), retryable=True) from None
    except (ftplib.error_reply, ftplib.error_proto) as exc:
        raise DeliveryError("hylafax_protocol", _text(exc), retryable=True) from None
    except EOFError:
        raise DeliveryError("hylafax_disconnected", "the server closed the connection", retryable=True) from None
    except TimeoutError:
        raise DeliveryError("timeout", f"no answer from {host}:{port}", retryable=True) from None
    except ConnectionRefusedError:
        raise DeliveryError("connection_refused", f"nothing listens on {host}:{port}", retryable=True) from None
    except OSError as exc:
        raise DeliveryError("connection_error", f"{host}:{port}: {type(exc).__name__}", retryable=True) from None
    finally:
        client.close()
    return Outcome(message_id=f"hylafax:{job}", receipt={"job": job})


def find_job(client: ftplib.FTP, tag: str) -> str | None:
    """The id of a job tagged ``tag`` that is queued (sendq) or was sent (doneq, state D)."""
    client.sendcmd('JOBFMT "%j|%J|%a"')
    for queue in ("sendq", "doneq"):
        lines: list[str] = []
        client.retrlines(f"LIST {queue}", lines.append)
        for line in lines:
            job, _, rest = line.partition("|")
            job_tag, _, state = rest.rpartition("|")
            if job_tag.strip() == tag and (queue == "sendq" or state.strip() == "D"):
                return job.strip()
    return None


def _code(exc: ftplib.Error) -> str:
    text = str(exc)
    return text[:3] if text[:3].isdigit() else "error"


def _text(exc: Exception) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in " ".join(str(exc).split()))[:160]


# -- spool folder --------------------------------------------------------------------------------


def spool_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-]", "", key) or "fax"


def send_to_spool(outgoing: Outgoing, digits: str, tiff: bytes, pages: int) -> Outcome:
    folder = Path(config()["spool_dir"])
    name = spool_name(outgoing.idempotency_key)
    image = folder / f"{name}.tif"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not already_spooled(folder, name):
            meta = {
                "number": digits,
                "pages": pages,
                "delivery": outgoing.delivery_id,
                "procedure": outgoing.procedure,
                "created_at": timezone.now().isoformat(),
            }
            write_once(folder / f"{name}.json", json.dumps(meta, ensure_ascii=False).encode() + b"\n")
            write_once(image, tiff)
    except OSError as exc:  # disk full, no permission: a local trouble an operator fixes
        raise DeliveryError("spool_error", f"{type(exc).__name__} in the fax spool folder", retryable=True) from None
    return Outcome(message_id=f"spool:{image.name}")


def forget_spooled(idempotency_key: str) -> int:
    """Remove a delivery's files from the spool folder (its fax image holds the 申込書 and so
    personal data): the image under any suffix the sending program gave it, its metadata, and
    a temporary file a writer stopped mid-way left (``write_once``). The number of files removed."""
    folder = Path(config()["spool_dir"])
    name = spool_name(idempotency_key)
    removed = 0
    leftovers = [*folder.glob(f"{name}.tif.*"), *folder.glob(f".{name}.*.tmp")]
    for path in [folder / f"{name}.tif", folder / f"{name}.json", *leftovers]:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def already_spooled(folder: Path, name: str) -> bool:
    return (folder / f"{name}.tif").exists() or any(folder.glob(f"{name}.tif.*"))


def write_once(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless ``path`` exists; True if written here."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)  # unlike rename, never replaces a file already there
            written = True
        except FileExistsError:
            written = False
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return written


# How each gateway hands a fax over: (outgoing, the number's digits, the TIFF, its pages).
GATEWAY_SENDERS: "dict[str, Callable[[Outgoing, str, bytes, int], Outcome]]" = {
    "email": send_by_email,
    "hylafax": send_by_hylafax,
    "spool": send_to_spool,
}

CHANNEL = FaxChannel
