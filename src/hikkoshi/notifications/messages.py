"""What a notification says: one ``Message`` (subject, paragraphs, items, link) for the mail —
plain text and HTML from the same templates — and for the inbox (お知らせ).

Only what the mover needs: the application number, the procedures' and organisations' names,
statuses, dates, what to bring and where to go; never names, addresses or what was applied
for — the link leads to the move, behind the mover's sign-in.
"""

from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hikkoshi import channels
from hikkoshi.delivery import smtp
from hikkoshi.moves.constants import AnswerStatus, ProcedureStatus
from hikkoshi.moves.models import Move, MoveProcedure
from hikkoshi.moves.result import what_to_bring

from .models import Kind, Notification


@dataclass
class Item:
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Message:
    subject: str
    paragraphs: list[str]
    items: list[Item]
    link: str


# Where a mail's link leads, by who reads it: the mover (their move, behind their sign-in), the
# staff of an agency or a call centre (the move under their own pages), or the customer of a
# move entered for them, who has no account (the portal's top page).
CUSTOMER = "customer"
NAMESPACES = {"": "moves", "agency": "agency-moves", "callcentre": "callcentre-moves"}


def move_link(move: Move, reader: str = "") -> str:
    portal = str(settings.HIKKOSHI_PORTAL_URL).rstrip("/")
    if reader == CUSTOMER:
        return portal + "/"
    namespace = NAMESPACES.get(reader, "moves")
    return portal + reverse(f"{namespace}:detail", kwargs={"public_id": move.public_id})


def _name(entry: MoveProcedure) -> str:
    """The procedure's name as the pages give it: English where the data has it, やさしい日本語
    (``catalogue.schema.easy``) in ``ja-x-easy``, the data's Japanese otherwise."""
    return str(entry.version.localised_name)


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _status(value: str) -> str:
    """The words of a delivery status or of an organisation's answer (処理状況), never its code."""
    for kind in (ProcedureStatus, AnswerStatus):
        try:
            return str(kind(value).label)
        except ValueError:
            continue
    return value  # a status this version does not know by name


def _where_it_ended(entry: MoveProcedure) -> str:
    """The organisation's answer when it gave one (完了, 受付不可…), else the delivery's status."""
    return _status(entry.answer_status or entry.status)


def _where(entry: MoveProcedure) -> list[str]:
    lines = []
    office = entry.office or {}
    if office.get("name"):
        lines.append(
            _("Where to go: %(office)s")
            % {"office": " ".join(filter(None, [office["name"], office.get("address", "")]))}
        )
    things = [line.strip() for line in what_to_bring(entry.version.definition)]
    if things:
        lines.append(_("What to bring: %(things)s") % {"things": ", ".join(things)})
    return lines


def _number(move: Move) -> str:
    return move.number or str(move.public_id)


def _next_step(entry: MoveProcedure) -> str:
    definition = entry.version.definition
    if channels.in_person(definition["channel"]):
        if entry.deadline_to:
            from .services import deadline_of

            return _("You take it to the counter yourself, by %(date)s.") % {
                "date": _day(deadline_of(entry) or entry.deadline_to)
            }
        return _("You take it to the counter yourself.")
    return _("We send it for you; we write to you if it needs you.")


def _procedures(move: Move) -> list[MoveProcedure]:
    return list(MoveProcedure.objects.filter(move=move).select_related("version").order_by("position", "pk"))


def compose(notification: Notification, *, reader: str = "") -> Message:
    """The message of a notification, in the active language, its link for ``reader``."""
    move, kind, entry = notification.move, notification.kind, notification.procedure
    number = _number(move)
    link = move_link(move, reader)
    if kind == Kind.CONFIRMATION:
        items = [
            Item(
                _name(e),
                [
                    _("Channel: %(channel)s") % {"channel": channels.document_label(e.version.definition["channel"])},
                    _next_step(e),
                ],
            )
            for e in _procedures(move)
        ]
        return Message(
            _("We received your move (application %(number)s)") % {"number": number},
            [_("Your move was received. These are its procedures and what happens next.")],
            items,
            link,
        )
    if kind == Kind.ACTION and entry is not None:
        paragraphs = [
            _("%(procedure)s needs you: %(status)s.")
            % {"procedure": _name(entry), "status": _status(notification.topic)}
        ]
        said = (notification.details or {}).get("message")
        if said:
            paragraphs.append(_("The organisation says: %(message)s") % {"message": said})
        paragraphs.append(_("Open your move to see what to do."))
        return Message(
            _("An application needs you (application %(number)s)") % {"number": number}, paragraphs, [], link
        )
    if kind == Kind.SUMMARY:
        items = [Item(_name(e), [_where_it_ended(e)]) for e in _procedures(move)]
        return Message(
            _("Every procedure of your move is settled (application %(number)s)") % {"number": number},
            [_("Where each procedure of your move ended:")],
            items,
            link,
        )
    if kind == Kind.DEADLINE and entry is not None:
        day = date.fromisoformat(notification.topic)
        return Message(
            _("Reminder: %(procedure)s by %(date)s") % {"procedure": _name(entry), "date": _day(day)},
            [
                _(
                    "%(procedure)s is to be done by %(date)s (a deadline on a day the office is closed "
                    "moves to its next open day)."
                )
                % {"procedure": _name(entry), "date": _day(day)}
            ],
            [Item(_name(entry), _where(entry))],
            link,
        )
    moving_day = date.fromisoformat(notification.topic) if notification.topic else move.move_date
    window = [e for e in _procedures(move) if e.status == ProcedureStatus.IN_PERSON and e.filed_at is None]
    return Message(
        _("Reminder: your moving day is %(date)s") % {"date": _day(moving_day) if moving_day else ""},
        [
            _("Your moving day is near. What you still take to a counter yourself:")
            if window
            else _("Your moving day is near.")
        ],
        [Item(_name(e), [_next_step(e), *_where(e)]) for e in window],
        link,
    )


def build_mail(notification: Notification, *, to: str, language: str, reader: str = "") -> EmailMessage:
    """The mail of a notification: plain text and HTML, in ``language``, its link for ``reader``."""
    with translation.override(language):
        message = compose(notification, reader=reader)
        context = {"message": message, "language": language}
        text = render_to_string("notifications/mail/message.txt", context)
        html = render_to_string("notifications/mail/message.html", context)
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender()
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail
