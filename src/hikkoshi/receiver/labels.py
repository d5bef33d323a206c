"""The names staff read for an application's data (申請データの項目名): ``applicant.name`` shown as
「申請者 › 氏名」 with "Applicant › Name" beside it.

The application arrives as JSON (``hikkoshi.application/2``, a withdrawal's or correction's
``hikkoshi.withdrawal/1`` / ``hikkoshi.correction/1``); its keys are for programs. The labels are
the portal's own wording for the same data, the applicant's copy's (msgctxt ``document``, one
catalogue shared with the portal), as far as the portal has it; the receiver imports no portal app.
A key not known here (a newer format, a procedure's own field) is shown as it arrived: an
organisation may receive fields the receiver does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, pgettext_lazy

# A node of the data's shape: each key known here, its label and the node of what it holds (None: a
# plain value, or something whose keys are not known here, as a procedure's own fields).
Node = Mapping[str, tuple[Promise, "Node | None"]]


def _leaves(labels: Mapping[str, Promise]) -> Node:
    return {key: (label, None) for key, label in labels.items()}


_PERSON = _leaves(
    {
        "name": pgettext_lazy("document", "Name"),
        "name_kana": pgettext_lazy("document", "Reading (kana)"),
        "birth_date": pgettext_lazy("document", "Date of birth"),
        "sex": pgettext_lazy("document", "Sex"),
        "relationship": pgettext_lazy("document", "Relationship to the head of household"),
        "phone": pgettext_lazy("document", "Phone number"),
        "email": pgettext_lazy("document", "E-mail address"),
        # 外国人住民 (the portal's moves.foreign)
        "foreign_resident": pgettext_lazy("document", "Foreign residents (外国人住民)"),
        "residence_category": pgettext_lazy(
            "document", "Category (Article 30-45 of the Basic Resident Registration Act)"
        ),
        "nationality": pgettext_lazy("document", "Nationality or region"),
        "residence_card_number": pgettext_lazy("document", "Residence card number"),
        "residence_status": pgettext_lazy("document", "Status of residence"),
        "period_of_stay": pgettext_lazy("document", "Period of stay"),
        "stay_expiry": pgettext_lazy("document", "Date of expiration of the period of stay"),
    }
)
_ADDRESS = _leaves(
    {
        "postcode": gettext_lazy("Postal code"),
        "address": gettext_lazy("Address"),
        "building": gettext_lazy("Building and room"),
        "full_address": gettext_lazy("Full address"),
        "municipality": gettext_lazy("Municipality"),
        "municipality_code": gettext_lazy("Municipality code"),
    }
)
_PROCEDURE = _leaves(
    {
        "id": gettext_lazy("Identifier"),
        "version": gettext_lazy("Version"),
        "name": gettext_lazy("Name of the procedure"),
    }
)
_HOUSEHOLD = _leaves(
    {
        "head": gettext_lazy("Who is the head"),
        "head_name": gettext_lazy("Name of the head of household"),
        "relationship_to": gettext_lazy("Relationships are to"),
    }
)
_REFERENCE = _leaves(
    {
        "reference": pgettext_lazy("document", "Reference"),
        "idempotency_key": gettext_lazy("Idempotency key"),
        "move_id": gettext_lazy("Move ID"),
        "number": pgettext_lazy("document", "Application number"),
    }
)
# An application (申請データ), a withdrawal or a correction (取下げ・訂正), as the portal sends them.
APPLICATION: dict[str, tuple[Promise, Node | None]] = {
    "format": (gettext_lazy("Data format"), None),
    "move_id": (gettext_lazy("Move ID"), None),
    "number": (pgettext_lazy("document", "Application number"), None),
    "procedure": (pgettext_lazy("document", "Procedure"), _PROCEDURE),
    "organisation": (gettext_lazy("Organisation's identifier"), None),
    "submitted_at": (gettext_lazy("Submitted at"), None),
    "kinds": (pgettext_lazy("document", "Kind of move"), None),
    "shared": (gettext_lazy("Common items received"), None),
    "applicant": (pgettext_lazy("document", "Applicant"), _PERSON),
    "move_date": (pgettext_lazy("document", "Moving day"), None),
    "members": (gettext_lazy("Household member"), _PERSON),
    "household": (pgettext_lazy("document", "Head of household at the new address"), _HOUSEHOLD),
    "from": (pgettext_lazy("document", "Old address"), _ADDRESS),
    "to": (pgettext_lazy("document", "New address"), _ADDRESS),
    "fields": (pgettext_lazy("document", "Fields"), None),
    # a withdrawal's or a correction's
    "notice_id": (gettext_lazy("Notice ID"), None),
    "application": (gettext_lazy("Application it refers to"), _REFERENCE),
    "requested_at": (gettext_lazy("Requested at"), None),
    "changes": (gettext_lazy("Items changed"), None),
}
# A correction's application as it is now: the same keys again.
APPLICATION["corrected"] = (gettext_lazy("As corrected"), APPLICATION)

SEPARATOR = " › "
# A label: its parts, each a label and, for an item of a list, its number (from 1).
Label = list[tuple[Promise, int | None]]


@dataclass(frozen=True)
class Row:
    """One value of the application: where it is in the JSON (``key``, as the CSV's column), its
    label in Japanese and in English (empty when no part of the key is known here), the part of
    the key not known here (``unknown``, shown as it arrived), and the value."""

    key: str
    ja: str
    en: str
    unknown: str
    value: str


def rows(data: Mapping[str, Any]) -> list[Row]:
    """The application's values in the order they arrived, each with its label. Nested objects
    are walked (``applicant.name``: 申請者 › 氏名), lists of objects numbered from 1 (``members.0.name``,
    the CSV's column: 世帯員 1 › 氏名), a list of plain values on one row, joined by ", "."""
    out: list[Row] = []
    _walk(data, [], [], APPLICATION, [], out)
    return out


def _walk(value: Any, path: list[str], label: Label, node: Node | None, rest: list[str], out: list[Row]) -> None:
    """``label`` is what is known of ``path``; ``rest`` the keys after the first one not known."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            key = str(key)
            if not rest and node is not None and key in node:
                part, below = node[key]
                _walk(item, [*path, key], [*label, (part, None)], below, [], out)
            else:
                _walk(item, [*path, key], label, None, [*rest, key], out)
    elif isinstance(value, list) and any(isinstance(item, (Mapping, list)) for item in value):
        for n, item in enumerate(value):
            if rest or not label:
                _walk(item, [*path, str(n)], label, None, [*rest, str(n)], out)
            else:
                _walk(item, [*path, str(n)], [*label[:-1], (label[-1][0], n + 1)], node, [], out)
    else:
        text = ", ".join(_text(v) for v in value) if isinstance(value, list) else _text(value)
        ja, en = (_in("ja", label), _in("en", label)) if label else ("", "")
        out.append(Row(key=".".join(path), ja=ja, en=en, unknown=".".join(rest), value=text))


def _in(language: str, label: Label) -> str:
    with translation.override(language):
        return SEPARATOR.join(str(part) if n is None else f"{part} {n}" for part, n in label)


def _text(value: Any) -> str:
    """A plain value as the CSV has it (``services.flatten``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
