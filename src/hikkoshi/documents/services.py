"""The entry points of the documents app: render a move's documents from a ``MoveRecord``."""

from hikkoshi.catalogue.constants import OfficialForm

from .applicant_copy import render_copy
from .application import render_application
from .data import MoveRecord, ProcedureRecord
from .fax_cover import render_fax_cover
from .ical import render_calendar
from .residence_change_form import render_residence_change_form
from .result import render_result
from .wording import language, speaking

__all__ = [
    "render_residence_change_form",
    "render_result",
    "render_copy",
    "render_calendar",
    "render_application",
    "render_fax_cover",
    "render_move_documents",
    "form_procedures",
    "document_names",
    "render_document",
]

PDF = "application/pdf"
ICS = "text/calendar; charset=utf-8"


def form_procedures(record: MoveRecord) -> list[ProcedureRecord]:
    """The window procedures of ``record`` that come with an official form to print."""
    return [e for e in record.procedures if e.in_person and e.form == OfficialForm.RESIDENCE_CHANGE and e.notification]


def render_move_documents(record: MoveRecord, *, calendar: bool = True, lang: str = "ja") -> dict[str, bytes]:
    """Every document of a move by file name: ``form-{slug}.pdf`` per window procedure with a
    form, ``result.pdf``, ``copy.pdf`` and (unless ``calendar`` is false) ``deadlines.ics``;
    the mover's documents in ``lang`` ("ja" or "en"), the official forms in Japanese."""
    documents = {
        f"form-{e.slug}.pdf": render_residence_change_form(record, e, lang=lang) for e in form_procedures(record)
    }
    documents["result.pdf"] = render_result(record, lang=lang)
    documents["copy.pdf"] = render_copy(record, lang=lang)
    if calendar:
        documents["deadlines.ics"] = render_calendar(record)
    return documents


def document_names(record: MoveRecord) -> list[str]:
    """The names of a move's documents, without rendering them."""
    return [f"form-{e.slug}.pdf" for e in form_procedures(record)] + ["result.pdf", "copy.pdf", "deadlines.ics"]


def render_document(record: MoveRecord, name: str, *, lang: str | None = None) -> tuple[bytes, str] | None:
    """One document of a move by name, with its content type; None for an unknown name.

    ``lang`` is the language of the mover's documents (申請結果, 申請控え, the page after a
    form): by default the active language, which the pages and the API set from the request
    (an English request gets English documents; the official form stays Japanese).
    """
    lang = language(lang)
    if name == "result.pdf":
        return render_result(record, lang=lang), PDF
    if name == "copy.pdf":
        return render_copy(record, lang=lang), PDF
    if name == "deadlines.ics":
        return render_calendar(record), ICS
    for entry in form_procedures(record):
        if name == f"form-{entry.slug}.pdf":
            return render_residence_change_form(record, entry, lang=lang), PDF
    return None


def document_language():
    """Build a move's record (its statuses, labels) inside this when it is for its documents:
    they speak the documents' language (``wording.language``), not the page's — a mover reading
    やさしい日本語 gets the documents in ordinary Japanese, not half of each."""
    return speaking(language())
