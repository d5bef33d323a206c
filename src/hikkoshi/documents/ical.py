"""A move's dates as iCalendar (RFC 5545): the moving day, each procedure's last day, and the day
the mover chose to go to a counter.

Every event is one whole day (a DATE ``DTSTART``, ``DTEND`` the day after): the moving day,
and for each procedure with a period its last day (``deadline_to``) — never a bar over the
whole period, which a calendar shows as a busy fortnight. A procedure's event names the
procedure, where it goes (for a window procedure the office stored on it, its address and its
hours) and is marked free (``TRANSP:TRANSPARENT``); where the mover still has to act (a window
procedure, an application not sent) a reminder goes off at 09:00 the day before.
A chosen counter visit (``ProcedureRecord.visit_on``) is a timed event over the office's opening
hours when they can be read from its hours text (「平日 8:45〜17:15」), else a whole day; it is busy
time, with a reminder the evening before.
The UIDs are stable per move and procedure, so importing the file again updates the events.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
import re
from typing import TYPE_CHECKING
import unicodedata
from zoneinfo import ZoneInfo

from hikkoshi import channels
from hikkoshi.japanese import both

from .data import MoveRecord, ProcedureRecord
from .labels import destination, postcode

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//hikkoshi//documents//JA"
# Statuses of a procedure sent by the portal that still need the mover (the others are on their
# way or arrived: no reminder).
ACT = ("draft", "failed")
# A reminder at 09:00 the day before an all-day event (which starts at midnight).
REMINDER = -timedelta(hours=15)
JAPAN = ZoneInfo("Asia/Tokyo")
# 「8:45〜17:15」, 「8時45分～17時15分」, 「9時から17時」, 「9:00-17:00」
# (after NFKC: full-width digits and colons are ASCII).
HOURS = re.compile(r"(\d{1,2})(?::|時)(\d{2})?分?\s*(?:[〜~～\-‐–—ー－]|から)\s*(\d{1,2})(?::|時)(\d{2})?分?")


def opening_hours(text: str) -> tuple[time, time] | None:
    """The first opening and closing times in an office's hours text, or None if none can be read."""
    found = HOURS.search(unicodedata.normalize("NFKC", text or ""))
    if not found:
        return None
    h1, m1, h2, m2 = (int(g) if g else 0 for g in found.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        return None
    start, end = time(h1, m1), time(h2, m2)
    return (start, end) if start < end else None


def _day_event(uid: str, day, summary: str, stamp: datetime) -> Event:
    from icalendar import Event  # imported on use: ~9 MB a web worker need not carry

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("dtstart", day)  # a DATE: an all-day event
    event.add("dtend", day + timedelta(days=1))  # DTEND of a DATE event is exclusive
    event.add("categories", ["引越し"])
    return event


def _reminder(event: Event, text: str) -> None:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", REMINDER, parameters={"RELATED": "START"})
    event.add_component(alarm)


def _move_day(record: MoveRecord, stamp: datetime) -> Event:
    event = _day_event(f"{record.id}-move-day@hikkoshi", record.move_date, "引越し日", stamp)
    old, new = record.old_address, record.new_address
    lines = [f"旧住所: {old.address} {old.building}".rstrip(), f"新住所: {new.address} {new.building}".rstrip()]
    if record.number:
        lines.append(f"申請番号: {record.number}")
    event.add("description", "\n".join(lines))
    event.add("location", f"{postcode(new.postcode)} {new.address} {new.building}".strip())
    return event


def _last_day(record: MoveRecord, entry: ProcedureRecord, stamp: datetime) -> Event:
    where = destination(entry)
    event = _day_event(f"{record.id}-{entry.slug}@hikkoshi", entry.deadline_to, f"{entry.name}の期限（{where}）", stamp)
    lines = [
        f"{entry.name}（{channels.japanese_label(entry.channel)}）の期限の日です。",
        f"届出先: {where}" if entry.in_person else f"提出先: {where}",
    ]
    office = entry.office
    if office is not None:
        if office.address:
            lines.append("所在地: " + " ".join(filter(None, (postcode(office.postcode), office.address))))
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
    if entry.in_person or entry.status in ACT:  # the mover has something to do
        _reminder(event, f"明日が期限です: {entry.name}（{where}）")
    return event


def _visit(record: MoveRecord, entry: ProcedureRecord, stamp: datetime) -> Event:
    from icalendar import Alarm, Event

    day = entry.visit_on
    if day is None:
        raise ValueError("a visit event needs the day of the visit")
    where = destination(entry)
    office = entry.office
    summary = f"{entry.name}の届出（{where}）"
    hours = opening_hours(office.hours) if office is not None else None
    uid = f"{record.id}-{entry.slug}-visit@hikkoshi"
    if hours is None:
        event = _day_event(uid, day, summary, stamp)
    else:
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("summary", summary)
        event.add("dtstart", datetime.combine(day, hours[0], tzinfo=JAPAN))
        event.add("dtend", datetime.combine(day, hours[1], tzinfo=JAPAN))
        event.add("categories", ["引越し"])
    lines = [f"{entry.name}を窓口で届け出る日です。", f"届出先: {where}"]
    if office is not None:
        if office.address:
            lines.append("所在地: " + " ".join(filter(None, (postcode(office.postcode), office.address))))
        if office.hours:
            lines.append(f"受付時間: {office.hours}")
        if office.phone:
            lines.append(f"電話: {office.phone}")
        event.add("location", " ".join(filter(None, (office.name, office.address))))
    if entry.deadline_to:
        lines.append(f"期限: {both(entry.deadline_to)}")
    if entry.what_to_bring:
        lines.append("持ち物: " + "、".join(entry.what_to_bring))
    if record.number:
        lines.append(f"申請番号: {record.number}")
    event.add("description", "\n".join(lines))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"明日は窓口へ: {entry.name}（{where}）")
    # 18:00 the day before, whatever time the visit starts.
    start = datetime.combine(day, hours[0] if hours else time(0, 0))
    alarm.add(
        "trigger", datetime.combine(day - timedelta(days=1), time(18, 0)) - start, parameters={"RELATED": "START"}
    )
    event.add_component(alarm)
    return event


def render_calendar(record: MoveRecord) -> bytes:
    from icalendar import Calendar

    """``deadlines.ics``: the moving day, the last day of every procedure that has one, and the
    day of each counter visit chosen."""
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
        if entry.visit_on and entry.in_person:
            cal.add_component(_visit(record, entry, stamp))
    cal.add_missing_timezones()  # the VTIMEZONE of Asia/Tokyo, for a timed visit
    return cal.to_ical()
