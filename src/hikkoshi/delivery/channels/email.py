"""メール: the application as an e-mail to the organisation, its 申込書 attached as a PDF.

The procedure's channel settings name the recipient (``{"to": "jumin@city.example.jp"}``).
The mail is plain text in Japanese (with one line of English), UTF-8, its headers encoded as
RFC 2047 words; the Message-ID is made from the delivery's idempotency key, so every attempt of
one delivery carries the same one and the organisation can spot a duplicate.
"""

from email.message import EmailMessage
from email.utils import formatdate

from django.conf import settings

from hikkoshi.documents.application import full_date, render_application
from hikkoshi.documents.data import Address
from hikkoshi.places.normalise import format_postcode

from .. import smtp
from . import register
from .base import DeliveryError, Outcome, Outgoing


def portal_url() -> str:
    return settings.HIKKOSHI_PORTAL_URL


def subject(outgoing: Outgoing) -> str:
    """``【引越し申請】水道の使用開始（申請ID 5b0e…）``."""
    return f"【引越し申請】{outgoing.entry.name}（申請ID {outgoing.record.id}）"


def attachment_name(outgoing: Outgoing) -> str:
    return f"application-{outgoing.procedure}.pdf"


def _address(address: Address) -> str:
    parts = [f"〒{format_postcode(address.postcode)}" if address.postcode else "", address.address,
             address.building]
    return " ".join(part for part in parts if part)


def _indented(value: str) -> str:
    """A multi-line value with its later lines indented under the first."""
    return "\n    ".join(value.splitlines()) or "（未記入）"


def body(outgoing: Outgoing) -> str:
    """The mail's text: who it is for, what it is, the application, how to reach the portal."""
    record, entry = outgoing.record, outgoing.entry
    applicant = record.applicant

    def shared(item: str) -> bool:
        return outgoing.shares is None or item in outgoing.shares
    lines = [
        f"{outgoing.organisation_name} 御中",
        "",
        "引越し手続きワンストップポータル「hikkoshi」から、次の手続きの申請をお送りします。",
        "引越しをする方が、ポータルで入力し同意のうえ送信したものです。",
        f"申込書（PDF）を添付しています: {attachment_name(outgoing)}",
        "",
        f"手続き　　: {entry.name}",
        f"申請ID　　: {record.id}",
    ]
    # Only the common items this organisation receives (``Outgoing.shares``; the record holds
    # no others).
    if shared("applicant_name"):
        lines.append(f"申請者　　: {applicant.name}（{applicant.name_kana}）")
    if shared("move_date"):
        lines.append(f"引越し日　: {full_date(record.move_date)}")
    if shared("new_address"):
        lines.append(f"新住所　　: {_address(record.new_address)}")
    if shared("old_address"):
        lines.append(f"旧住所　　: {_address(record.old_address)}")
    if record.phone:
        lines.append(f"電話番号　: {record.phone}")
    if record.email:
        lines.append(f"メール　　: {record.email}")
    if record.members:
        names = "、".join(f"{m.name}（{m.relationship}）" if m.relationship else m.name
                         for m in record.members)
        lines.append(f"一緒に引越す人: {names}")
    lines += ["", "【申請内容】"]
    if entry.fields:
        lines += [f"・{field.label}: {_indented(field.value)}" for field in entry.fields]
    else:
        lines.append("（この手続きに固有の入力項目はありません）")
    lines += [
        "",
        "この申請についてのお問い合わせは、申請IDを添えてポータルの運営者へご連絡ください。",
        f"ポータル: {portal_url()}",
        "",
        f"An application sent on the mover's behalf by the hikkoshi moving portal "
        f"(application {record.id}, procedure {outgoing.procedure}); the filled form is attached "
        f"as a PDF. Questions: {portal_url()}",
        "",
        "--",
        "hikkoshi 引越しワンストップ",
    ]
    return "\n".join(lines) + "\n"


def compose(outgoing: Outgoing, to: str, pdf: bytes) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = smtp.sender()
    msg["To"] = to
    msg["Subject"] = subject(outgoing)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = smtp.message_id_for(outgoing.idempotency_key)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    msg["X-Hikkoshi-Application"] = outgoing.record.id
    msg["X-Hikkoshi-Procedure"] = f"{outgoing.procedure} v{outgoing.entry.version}"
    msg.set_content(body(outgoing), charset="utf-8")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(outgoing))
    return msg


@register
class EmailChannel:
    name = "email"

    def send(self, outgoing: Outgoing) -> Outcome:
        to = str(outgoing.settings.get("to") or "").strip()
        if not to:
            raise DeliveryError("not_configured", "the procedure has no e-mail address (to)",
                                retryable=False)
        pdf = render_application(outgoing.record, outgoing.entry, outgoing.shares)
        try:
            message = compose(outgoing, to, pdf)
        except ValueError as exc:  # e.g. a line break in a name that goes into a header
            raise DeliveryError("bad_header", type(exc).__name__, retryable=False) from exc
        message_id = smtp.send_message(message)
        return Outcome(message_id=message_id)
