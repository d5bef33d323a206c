"""メール: the application as an e-mail to the organisation, its 申込書 attached as a PDF.

The procedure's channel settings name the recipient (``{"to": "jumin@city.example.jp"}``).
The mail is plain text in Japanese (with one line of English), UTF-8, its headers encoded as
RFC 2047 words; the Message-ID is made from the delivery's idempotency key, so every attempt of
one delivery carries the same one and the organisation can spot a duplicate.
"""

from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from hikkoshi.channels import Channel, Setting, StandIns
from hikkoshi.documents.application import full_date, render_application
from hikkoshi.documents.data import Address, MoveRecord
from hikkoshi.documents.labels import householder, relationship
from hikkoshi.documents.notice import local_day
from hikkoshi.places.normalise import format_postcode

from .. import smtp
from .base import DeliveryError, JSONObject, Outcome, Outgoing

if TYPE_CHECKING:
    from ..notices import NoticeOutgoing


def portal_url() -> str:
    return settings.HIKKOSHI_PORTAL_URL


def application_label(record: MoveRecord) -> str:
    """How an organisation's copy names the application: its 申請番号 (the id of a move stored
    before numbers existed)."""
    return f"申請番号 {record.number}" if record.number else f"申請ID {record.id}"


def subject(outgoing: Outgoing) -> str:
    """``【引越し申請】水道の使用開始（申請番号 K7P2X-9M4QD）``."""
    return f"【引越し申請】{outgoing.entry.name}（{application_label(outgoing.record)}）"


def attachment_name(outgoing: Outgoing) -> str:
    return f"application-{outgoing.procedure}.pdf"


def _address(address: Address) -> str:
    parts = [f"〒{format_postcode(address.postcode)}" if address.postcode else "", address.address, address.building]
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
        *([f"申請番号　: {record.number}"] if record.number else [f"申請ID　　: {record.id}"]),
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
    if shared("members"):  # 世帯主 at the new address, and every 続柄 to that 世帯主
        head = householder(record)
        if head:
            lines.append(f"世帯主　　: {head}（新住所の世帯主。続柄はこの世帯主との続柄）")
        own = relationship(record, applicant)
        if own:
            lines.append(f"申請者の続柄: {own}")
        if record.members:
            names = "、".join(
                f"{m.name}（{relationship(record, m)}）" if relationship(record, m) else m.name for m in record.members
            )
            lines.append(f"一緒に引越す人（世帯主との続柄）: {names}")
    lines += ["", "【申請内容】"]
    if entry.fields:
        lines += [f"・{field.label}: {_indented(field.value)}" for field in entry.fields]
    else:
        lines.append("（この手続きに固有の入力項目はありません）")
    if outgoing.answer is not None:  # 処理状況: where and with which code the organisation answers
        from hikkoshi.documents.answer_slip import lines as slip_lines

        lines += ["", "【処理状況のご連絡のお願い】", *slip_lines(outgoing.answer)]
    lines += [
        "",
        "この申請についてのお問い合わせは、申請番号を添えてポータルの運営者へご連絡ください。",
        f"ポータル: {portal_url()}",
        "",
        f"An application sent on the mover's behalf by the hikkoshi moving portal "
        f"(application {record.number or record.id}, procedure {outgoing.procedure}); the filled form is attached "
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
    if outgoing.record.number:
        msg["X-Hikkoshi-Number"] = outgoing.record.number
    msg["X-Hikkoshi-Procedure"] = f"{outgoing.procedure} v{outgoing.entry.version}"
    msg.set_content(body(outgoing), charset="utf-8")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(outgoing))
    return msg


class EmailChannel(Channel):
    name = "email"
    label = _("E-mail")
    document_label = pgettext_lazy("document", "E-mail")
    settings_schema = (
        Setting("to", _("The organisation's e-mail address for applications."), validators=(validate_email,)),
    )

    def send(self, outgoing: Outgoing) -> Outcome:
        to = str(outgoing.settings.get("to") or "").strip()
        if not to:
            raise DeliveryError("not_configured", "the procedure has no e-mail address (to)", retryable=False)
        pdf = render_application(outgoing.record, outgoing.entry, outgoing.shares, answer=outgoing.answer)
        try:
            message = compose(outgoing, to, pdf)
        except ValueError as exc:  # e.g. a line break in a name that goes into a header
            raise DeliveryError("bad_header", type(exc).__name__, retryable=False) from exc
        outgoing.check_claim()
        message_id = smtp.send_message(message)
        return Outcome(message_id=message_id)

    def send_notice(self, outgoing: "NoticeOutgoing") -> Outcome:
        """A withdrawal or correction, as a reply to the application's mail."""
        return send_notice_mail(outgoing)

    def stand_in_settings(self, *, procedure: str, organisation: str, stand_ins: StandIns) -> JSONObject:
        return {"to": f"{procedure}@{stand_ins.mail_domain}"}


# -- withdrawals and corrections ------------------------------------------------------------------

NOTICE_TITLES = {"withdrawal": "取下げ", "correction": "訂正"}


def notice_subject(outgoing: "NoticeOutgoing") -> str:
    """``【引越し申請 取下げ】水道の使用開始（申請番号 K7P2X-9M4QD）``."""
    return f"【引越し申請 {NOTICE_TITLES[outgoing.kind]}】{outgoing.entry.name}（{application_label(outgoing.record)}）"


def notice_body(outgoing: "NoticeOutgoing") -> str:
    """The text of a withdrawal or correction: which application (its number, the date it was
    sent, the organisation's reference), and for a correction what changed, to what."""
    record, entry = outgoing.record, outgoing.entry
    withdrawal = outgoing.kind == "withdrawal"
    sent = full_date(local_day(outgoing.original_sent_at)) if outgoing.original_sent_at else ""
    lines = [
        f"{outgoing.organisation_name} 御中",
        "",
        (
            f"{sent}にお送りした次の申請を、申請者のご依頼により取り下げます。"
            if withdrawal
            else f"{sent}にお送りした次の申請について、申請者のご依頼により内容を訂正します。"
        ),
        (
            "まだお手続きされていない場合は、この申請を処理しないでください。"
            if withdrawal
            else "訂正後の申込書（PDF）を添付しています。お手続きは訂正後の内容でお願いいたします。"
        ),
        "",
        f"手続き　　: {entry.name}",
        f"申請番号　: {record.number}" if record.number else f"申請ID　　: {record.id}",
    ]
    if outgoing.shares is None or "applicant_name" in outgoing.shares:
        lines.append(f"申請者　　: {record.applicant.name}（{record.applicant.name_kana}）")
    if outgoing.original_reference:
        lines.append(f"受付番号　: {outgoing.original_reference}")
    if not withdrawal:
        lines += ["", "【訂正した項目（訂正後の内容）】"]
        lines += [f"・{label}: {_indented(value)}" for label, value in outgoing.changes] or ["（なし）"]
    lines += [
        "",
        "すでにお手続きが済んでいる場合は、お手数ですが申請者へ直接ご連絡ください。",
        f"ポータル: {portal_url()}",
        "",
        (
            f"The mover withdraws the application {record.number or record.id} ({outgoing.procedure}) sent "
            f"earlier by the hikkoshi moving portal; please do not process it."
            if withdrawal
            else f"The mover corrects the application {record.number or record.id} ({outgoing.procedure}) sent "
            f"earlier by the hikkoshi moving portal; the corrected form is attached."
        ),
        "",
        "--",
        "hikkoshi 引越しワンストップ",
    ]
    return "\n".join(lines) + "\n"


def compose_notice(outgoing: "NoticeOutgoing", to: str, pdf: bytes | None) -> EmailMessage:
    """The notice as a reply to the application's mail (In-Reply-To / References), with its
    own Message-ID (the notice's idempotency key: the same on every attempt)."""
    msg = EmailMessage()
    msg["From"] = smtp.sender()
    msg["To"] = to
    msg["Subject"] = notice_subject(outgoing)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = smtp.message_id_for(outgoing.idempotency_key)
    if outgoing.original_message_id:
        msg["In-Reply-To"] = outgoing.original_message_id
        msg["References"] = outgoing.original_message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Hikkoshi-Application"] = outgoing.record.id
    if outgoing.record.number:
        msg["X-Hikkoshi-Number"] = outgoing.record.number
    msg["X-Hikkoshi-Notice"] = outgoing.kind
    msg.set_content(notice_body(outgoing), charset="utf-8")
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(outgoing))
    return msg


def send_notice_mail(outgoing: "NoticeOutgoing") -> Outcome:
    to = str(outgoing.settings.get("to") or "").strip()
    if not to:
        raise DeliveryError("not_configured", "the procedure has no e-mail address (to)", retryable=False)
    pdf = render_application(outgoing.record, outgoing.entry) if outgoing.kind == "correction" else None
    try:
        message = compose_notice(outgoing, to, pdf)
    except ValueError as exc:
        raise DeliveryError("bad_header", type(exc).__name__, retryable=False) from exc
    outgoing.check_claim()
    return Outcome(message_id=smtp.send_message(message))


CHANNEL = EmailChannel
