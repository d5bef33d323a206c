"""A move's dates as iCalendar (RFC 5545): the moving day and each procedure's last day.

Every event is one whole day (a DATE ``DTSTART``, ``DTEND`` the day after): the moving day,
and for each procedure with a period its last day (``deadline_to``) — never a bar over the
whole period, which a calendar shows as a busy fortnight. A procedure's event names the
procedure, where it goes (for a window procedure the office stored on it, its address and its
hours) and is marked free (``TRANSP:TRANSPARENT``); where the mover still has to act (a window
procedure, an application not sent) a reminder goes off at 09:00 the day before.
The UIDs are stable per move and procedure, so importing the file again updates the events.
"""

from datetime import datetime, time, timedelta, timezone

from icalendar import Alarm, Calendar, Event

from .data import MoveRecord, ProcedureEntry
from .labels import CHANNELS, destination, postcode
from .wareki import both

PRODID = "-//hikkoshi//documents//JA"
# Statuses of a procedure sent by the portal that still need the mover (the others are on their
# way or arrived: no reminder).
ACT = ("draft", "failed")
# A reminder at 09:00 the day before an all-day event (which starts at midnight).
REMINDER = -timedelta(hours=15)


def _day_event(uid: str, day, summary: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", day)  # a DATE: an all-day event
    event.add("dtend", day + timedelta(days=1))  # DTEND of a DATE event is exclusive
    event.add("categories", ["引越し"])
    return event


def _reminder(event: Event, text: str) -> None:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", REMINDER, parameters={"RELATED": "START"})
    event.add_component(alarm)


def _move_day(record: MoveRecord, stamp: datetime) -> Event:
    event = _day_event(f"{record.id}-move-day@hikkoshi", record.move_date, "引越し日", stamp)
    old, new = record.old_address, record.new_address
    lines = [f"旧住所: {old.address} {old.building}".rstrip(),
             f"新住所: {new.address} {new.building}".rstrip()]
    if record.number:
        lines.append(f"申請番号: {record.number}")
    event.add("description", "\n".join(lines))
    event.add("location", f"{postcode(new.postcode)} {new.address} {new.building}".strip())
    return event


def _last_day(record: MoveRecord, entry: ProcedureEntry, stamp: datetime) -> Event:
    where = destination(entry)
    event = _day_event(f"{record.id}-{entry.slug}@hikkoshi", entry.deadline_to,
                       f"{entry.name}の期限（{where}）", stamp)
    lines = [f"{entry.name}（{CHANNELS.get(entry.channel, entry.channel)}）の期限の日です。",
             f"届出先: {where}" if entry.channel == "window" else f"提出先: {where}"]
    office = entry.office
    if office is not None:
        if office.address:
            lines.append("所在地: " + " ".join(filter(None, (postcode(office.postcode),
                                                              office.address))))
        if office.hours:
            lines.append(f"受付時間: {office.hours}")
        if office.phone:
            lines.append(f"電話: {office.phone}")
        event.add("location", " ".join(filter(None, (office.name, office.address))))
    if entry.deadline_from:
        lines.append(f"期間: {both(entry.deadline_from)} 〜 {both(entry.deadline_to)}")
    lines.append(f"状況: {entry.status_label}")
    if entry.reference:
        lines.append(f"受付番号: {entry.reference}")
    if entry.what_to_bring:
        lines.append("持ち物: " + "、".join(entry.what_to_bring))
    if record.number:
        lines.append(f"申請番号: {record.number}")
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")  # a deadline, not a busy time
    if entry.channel == "window" or entry.status in ACT:  # the mover has something to do
        _reminder(event, f"明日が期限です: {entry.name}（{where}）")
    return event


def render_calendar(record: MoveRecord) -> bytes:
    """``deadlines.ics``: the moving day, and the last day of every procedure that has one."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"引越しの手続き（{record.applicant.name}）")
    # DTSTAMP from the record, not the clock, so the same move gives the same file.
    day = record.submitted_at or record.created_at
    stamp = datetime.combine(day, time(0, 0), tzinfo=timezone.utc)
    cal.add_component(_move_day(record, stamp))
    for entry in record.procedures:
        if entry.deadline_to:
            cal.add_component(_last_day(record, entry, stamp))
    return cal.to_ical()
