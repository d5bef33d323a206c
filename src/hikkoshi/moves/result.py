"""What the result page (申請結果) shows of a submitted move: 「次にやること」 first, then where
each procedure stands as a badge (its text says it; the colour only repeats it), with its
withdrawals and corrections.

``next_steps`` is built from the entries alone: a window procedure not yet filed (the office
with its address and hours, the period, what to bring, the form to print), an application that
could not be delivered, a withdrawal or correction the organisation refused because it had
processed the application already, and a window procedure withdrawn (not to be filed). Sorted
by the last day, the ones without a day last.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import get_language, gettext as _, gettext_lazy

from hikkoshi import channels
from hikkoshi.catalogue.schema import easy

from .answers import timeline
from .constants import AnswerStatus, NoticeKind, NoticeStatus, ProcedureStatus
from .notices import NoticeView, live_withdrawal, notices_by_procedure, notices_of, why_not_changeable, with_notices
from .selectors import foreign_residents_bring

# The badge of each state: (css class, label). The label is the state in words.
IN_PERSON_TODO = "todo"
FAR_FUTURE = date.max


# The badge of an organisation's answer: 完了 done, 不備あり and 受付不可 a problem for the mover.
ANSWER_BADGE = {
    AnswerStatus.DONE: "done",
    AnswerStatus.ACTION_NEEDED: "problem",
    AnswerStatus.REFUSED: "problem",
}


@dataclass
class Badge:
    code: str  # done | todo | wait | problem | withdrawn
    label: str


@dataclass
class NoticeRow:
    kind: str
    kind_label: str
    status: str
    status_label: str
    at: object
    code: str = "wait"  # the badge's class, as for procedures
    reference: str = ""
    changes: list[str] = field(default_factory=list)


def _english() -> bool:
    return get_language() == "en"


def what_to_bring(definition: dict) -> list[str]:
    text = (
        definition.get("what_to_bring_en")
        if _english() and definition.get("what_to_bring_en")
        else easy(definition.get("what_to_bring", ""))
    )
    return [line for line in (text or "").splitlines() if line.strip()]


def _withdrawal(notices: list[NoticeView]) -> NoticeView | None:
    live = [n for n in notices if n.kind == NoticeKind.WITHDRAWAL]
    return live[-1] if live else None


def badge(entry, notices: list[NoticeView]) -> Badge:
    """The state of one procedure in words, for a badge."""
    withdrawal = _withdrawal(notices)
    if entry.status == ProcedureStatus.WITHDRAWN:
        return Badge("withdrawn", _("Withdrawn"))
    if withdrawal is not None:
        if withdrawal.status == NoticeStatus.DELIVERED:
            return Badge("withdrawn", _("Withdrawn; the organisation has been told"))
        if withdrawal.status in NoticeStatus.unfinished():
            return Badge("wait", _("Withdrawal on its way to the organisation"))
        if withdrawal.status == NoticeStatus.REFUSED:
            return Badge("problem", _("Not withdrawn: the organisation had already processed it"))
        if withdrawal.status == NoticeStatus.FAILED:
            return Badge("problem", _("Withdrawal could not be sent; our staff are looking into it"))
        return Badge("withdrawn", _("Withdrawn"))  # nothing was left to send, or staff saw to it
    if entry.status == ProcedureStatus.IN_PERSON:
        if entry.filed_at is not None:
            return Badge("done", _("Filed at the counter (as you told us)"))
        return Badge("todo", _("You need to file this at the counter"))
    if entry.answer_status:  # the organisation's latest answer (処理状況) says more than "delivered"
        return Badge(ANSWER_BADGE.get(entry.answer_status, "wait"), str(AnswerStatus(entry.answer_status).label))
    if entry.status in (ProcedureStatus.DELIVERED, ProcedureStatus.HANDLED):
        return Badge("done", str(ProcedureStatus(entry.status).label))
    if entry.status == ProcedureStatus.FAILED:
        return Badge("problem", str(ProcedureStatus(entry.status).label))
    return Badge("wait", str(ProcedureStatus(entry.status).label))


NOTICE_STATUS = {
    NoticeStatus.QUEUED: gettext_lazy("being sent"),
    NoticeStatus.SENDING: gettext_lazy("being sent"),
    NoticeStatus.RETRYING: gettext_lazy("being sent (tried again automatically)"),
}


def notice_rows(notices: list[NoticeView], labels: dict[str, str], *, window: bool = False) -> list[NoticeRow]:
    """The withdrawals and corrections of one procedure in words; ``window``: it is filed at a
    counter (nothing is ever sent for it)."""
    rows = []
    for n in notices:
        kind = _("Withdrawal") if n.kind == NoticeKind.WITHDRAWAL else _("Correction")
        if n.status == NoticeStatus.NOT_NEEDED:
            status = (
                _("done before it was sent: nothing was sent")
                if not window
                else _("done: nothing to send for a counter procedure")
            )
        elif n.status in NOTICE_STATUS:
            status = str(NOTICE_STATUS[NoticeStatus(n.status)])
        else:
            status = str(NoticeStatus(n.status).label)
        code = (
            "problem"
            if n.status in (NoticeStatus.REFUSED, NoticeStatus.FAILED)
            else "wait"
            if n.status in NoticeStatus.unfinished()
            else "done"
        )
        rows.append(
            NoticeRow(
                kind=n.kind,
                kind_label=str(kind),
                status=n.status,
                status_label=status,
                at=n.created_at,
                code=code,
                reference=n.reference,
                changes=[labels.get(path, path.split(".", 1)[-1]) for path in n.changes],
            )
        )
    return rows


def change_labels(entry, contact_labels: dict[str, str]) -> dict[str, str]:
    """Field paths of a correction (``fields.start_date``, ``applicant.phone``) → their labels."""
    labels = {f"fields.{spec.name}": spec.localised_label for spec in entry.version.schema}
    labels.update(contact_labels)
    return labels


def procedures_of(move) -> list:
    """The procedures of a move with their withdrawals and corrections (``entry.notices``), in
    two queries."""
    procedures = list(move.procedures.select_related("version__procedure__organisation").prefetch_related("answers"))
    for entry in procedures:
        entry.move = move
    return with_notices(procedures)


def filed_with(entry) -> str:
    """Where the procedure goes: the office of the address for a counter procedure (the ward
    office: 中央区役所, not the city hall), else the organisation."""
    if channels.in_person(entry.definition["channel"]) and entry.office:
        return str(entry.office.get("name") or entry.version.procedure.organisation.name)
    return str(entry.version.procedure.organisation.name)


def procedure_rows(move, entries, documents_of, contact_labels: dict[str, str]) -> list[dict]:
    """Each procedure of the move with its badge, its notices and whether it can still change."""
    rows = []
    for entry in entries:
        definition = entry.definition
        notices = notices_of(entry)
        name = entry.version.localised_name
        window = channels.in_person(definition["channel"])
        rows.append(
            {
                "entry": entry,
                "slug": definition["slug"],
                "name": name,
                # A counter procedure is filed at the office of the address (the ward office).
                "organisation": filed_with(entry),
                "window": window,
                "office": entry.office,
                "badge": badge(entry, notices),
                "notices": notice_rows(notices, change_labels(entry, contact_labels), window=window),
                "locked": why_not_changeable(entry),
                "documents": documents_of(definition["slug"], name),
                "bring": what_to_bring(definition)
                + (foreign_residents_bring(move) if definition.get("official_form") else []),
                # 処理状況: sent, received (with the reference), each answer of the organisation.
                "timeline": timeline(entry),
            }
        )
    return rows


def next_steps(rows: list[dict]) -> list[dict]:
    """「次にやること」: what is left for the mover, soonest last day first."""
    steps = []
    for row in rows:
        entry, code = row["entry"], row["badge"].code
        if code == IN_PERSON_TODO:
            steps.append(
                {
                    "kind": "counter",
                    "row": row,
                    "until": entry.deadline_to,
                    "title": _("File the %(procedure)s at the counter") % {"procedure": row["name"]},
                }
            )
        elif entry.status == ProcedureStatus.WITHDRAWN and row["window"]:
            steps.append(
                {
                    "kind": "dont",
                    "row": row,
                    "until": None,
                    "title": _("Do not file the %(procedure)s: you withdrew it") % {"procedure": row["name"]},
                }
            )
        elif entry.answer_status in (AnswerStatus.ACTION_NEEDED, AnswerStatus.REFUSED):
            said = [t["message"] for t in row["timeline"] if t["status"] == entry.answer_status and t["message"]]
            steps.append(
                {
                    "kind": "answer",
                    "row": row,
                    "until": entry.deadline_to,
                    "title": (
                        _("%(organisation)s asks you for something about the %(procedure)s")
                        if entry.answer_status == AnswerStatus.ACTION_NEEDED
                        else _("%(organisation)s did not accept the %(procedure)s")
                    )
                    % {"procedure": row["name"], "organisation": row["organisation"]},
                    "message": said[-1] if said else "",
                }
            )
        elif code == "problem":
            refused = any(n.status == NoticeStatus.REFUSED for n in row["notices"])
            steps.append(
                {
                    "kind": "refused" if refused else "failed",
                    "row": row,
                    "until": entry.deadline_to,
                    "title": (
                        _("Contact %(organisation)s about the %(procedure)s")
                        if refused
                        else _("The %(procedure)s has not reached %(organisation)s yet")
                    )
                    % {"procedure": row["name"], "organisation": row["organisation"]},
                }
            )
        elif any(n.status == NoticeStatus.REFUSED for n in row["notices"]):
            steps.append(
                {
                    "kind": "refused",
                    "row": row,
                    "until": entry.deadline_to,
                    "title": _("Contact %(organisation)s about the %(procedure)s")
                    % {"procedure": row["name"], "organisation": row["organisation"]},
                }
            )
    steps.sort(key=lambda s: (s["kind"] == "dont", s["until"] or FAR_FUTURE))
    return steps


def list_states(moves) -> dict[int, str]:
    """For "my moves": a submitted move withdrawn wholly or in part says so (two queries: the
    procedures' statuses, and the withdrawals on their way or delivered)."""
    from .models import MoveProcedure

    ids = [m.pk for m in moves]
    if not ids:
        return {}
    notices = notices_by_procedure(ids)
    total: dict[int, int] = {}
    gone: dict[int, int] = {}
    for move_id, entry_id, status in MoveProcedure.objects.filter(move_id__in=ids).values_list(
        "move_id", "pk", "status"
    ):
        total[move_id] = total.get(move_id, 0) + 1
        if status == ProcedureStatus.WITHDRAWN or live_withdrawal(notices.get(entry_id, [])):
            gone[move_id] = gone.get(move_id, 0) + 1
    states = {}
    for pk in ids:
        if total.get(pk) and gone.get(pk) == total[pk]:
            states[pk] = _("Withdrawn")
        elif gone.get(pk):
            states[pk] = _("Submitted; partly withdrawn")
    return states
