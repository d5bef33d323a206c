"""The deadlines of a move as iCalendar (RFC 5545): one all-day event per procedure deadline."""

from datetime import datetime, time, timedelta, timezone

from icalendar import Alarm, Calendar, Event

from .data import MoveRecord, ProcedureEntry
from .labels import CHANNELS

PRODID = "-//hikkoshi//documents//JA"


def _event(record: MoveRecord, entry: ProcedureEntry, stamp: datetime) -> Event:
    start = entry.deadline_from or entry.deadline_to
    last = entry.deadline_to or entry.deadline_from
    event = Event()
    event.add("uid", f"{record.id}-{entry.slug}@hikkoshi")
    event.add("dtstamp", stamp)
    event.add("summary", entry.name)
    event.add("dtstart", start)  # a DATE: an all-day event
    event.add("dtend", last + timedelta(days=1))  # DTEND of a DATE event is exclusive
    lines = [f"{entry.organisation}（{CHANNELS.get(entry.channel, entry.channel)}）",
             f"状況: {entry.status_label}"]
    if entry.reference:
        lines.append(f"受付番号: {entry.reference}")
    if entry.office:
        lines.append(f"届出先: {entry.office.name}")
        event.add("location", " ".join(filter(None, (entry.office.name, entry.office.address))))
    if entry.what_to_bring:
        lines.append("持ち物: " + "、".join(entry.what_to_bring))
    event.add("description", "\n".join(lines))
    event.add("categories", ["引越し"])
    event.add("transp", "TRANSPARENT")  # a deadline, not a busy time
    if entry.deadline_to:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"期限が近づいています: {entry.name}")
        # 09:00 on the day before the last day (the end is midnight after the last day).
        alarm.add("trigger", -timedelta(days=1, hours=15), parameters={"RELATED": "END"})
        event.add_component(alarm)
    return event


def render_calendar(record: MoveRecord) -> bytes:
    """``deadlines.ics``: one VEVENT per procedure with a deadline, UID stable per procedure."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"引越しの手続きの期限（{record.applicant.name}）")
    # DTSTAMP from the record, not the clock, so the same move gives the same file.
    day = record.submitted_at or record.created_at
    stamp = datetime.combine(day, time(0, 0), tzinfo=timezone.utc)
    for entry in record.procedures:
        if entry.deadline_from or entry.deadline_to:
            cal.add_component(_event(record, entry, stamp))
    return cal.to_ical()
