"""Import and export of the directory (事業者情報の一括登録・書き出し) as JSON or CSV.

The format follows the file name: ``.json`` or ``.csv``.

JSON (full fidelity)::

    {"format": "hikkoshi-directory", "version": 1, "organisations": [
        {"slug": …, "category": …, "name": …, "name_kana": …, "name_en": …, "postcode": …,
         "address": …, "hours": …, "note": …, "source": …, "last_checked": "YYYY-MM-DD" | null,
         "verification": …,
         "contacts": [{"kind": …, "value": …, "label": …, "verification": …}],
         "areas": [{"area_code": …, "postcode_from": …, "postcode_to": …}],
         "receipt_keys": [{"kty": "OKP", "crv": "Ed25519", "x": …, "kid": …}]}]}

On import only ``slug``, ``category`` and ``name`` are needed; other keys default to empty, a
contact's ``verification`` to its organisation's. Unknown keys are an error (they are typos).
``receipt_keys`` (the Ed25519 JWKs that sign the organisation's web-channel receipts) is written
only when there are any; absent on import means none. CSV leaves receipt keys alone: a CSV
import keeps an organisation's stored keys.

CSV (one row per organisation, UTF-8; written with a BOM so Excel opens it, read with or
without one). The header row names the columns ``CSV_COLUMNS``, in any order, all present.

- ``phone``, ``fax``, ``email``, ``web``: entries separated by ``|`` (written `` | ``). An entry is
  ``value`` or ``value (label)``; the label runs from the first `` (`` (or ``（``) to the closing
  bracket at the end of the entry, so it may itself contain brackets. An entry whose
  verification differs from its organisation's ends with a space and the verification in
  square brackets: ``0120-12-6565 (引越し受付) [third_party]``. Entries keep their order within
  a column; the contacts of an organisation are ordered phone, fax, email, web. A value or
  label containing ``|`` cannot be written as CSV (export says so): use JSON for it.
- ``areas``: entries separated by ``;``, each ``CODE`` (a 2-digit prefecture or 5-digit
  municipality code), ``CODE:FROM-TO`` (postal codes FROM to TO within it) or ``:FROM-TO``.
- ``last_checked``: ``YYYY-MM-DD`` or empty. ``verification``: empty means ``sample``.

Text is stripped of surrounding spaces on import, in both formats, and a reading in Japan Post's
style gets its small kana back (``japanese.kana.natural_reading``: サツポロ → サッポロ).
Everything is validated (with the models' own ``full_clean()``) before anything is written; all problems are reported
together in one ``DirectoryImportError``; text with markup (an HTML tag, a comment) is refused
anywhere, and web addresses must be http(s). Organisations are matched by slug: one in the file
replaces its stored fields, contacts and service areas and becomes a local entry; those not in
the file are left alone.

A partner portal's directory (the same JSON, fetched by ``hikkoshi.federation``) is checked by
the same rules and, besides, every area must lie in the places that portal serves
(``replace_portal_copy``); it replaces that portal's previous copy whole, or nothing changes.
"""

from collections.abc import Collection
import csv
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
import io
import json
import logging
from pathlib import Path
import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from hikkoshi.japanese.kana import natural_reading
from hikkoshi.places.municipalities import municipality_code

from .constants import LOCAL_PORTAL, Category, ContactKind, Verification
from .models import Contact, Organisation, PortalCopy, ServiceArea
from .signals import bump_revision, revision_bumps_deferred
from .validators import AREA_CODE as AREA_CODE_RE, area_within, validate_postcode

logger = logging.getLogger(__name__)

FORMAT = "hikkoshi-directory"
VERSION = 1
TEXT_FIELDS = ("slug", "category", "name", "name_kana", "name_en", "postcode", "address", "hours", "note", "source")
CONTACT_COLUMNS = ("phone", "fax", "email", "web")  # each the value of a ContactKind
CSV_COLUMNS = (
    "slug",
    "category",
    "name",
    "name_kana",
    "name_en",
    "postcode",
    "address",
    "hours",
    *CONTACT_COLUMNS,
    "areas",
    "source",
    "last_checked",
    "verification",
    "note",
)
_ORG_KEYS = {*TEXT_FIELDS, "last_checked", "verification", "contacts", "areas", "receipt_keys"}
_CONTACT_KEYS = {"kind", "value", "label", "verification"}
_AREA_KEYS = {"area_code", "postcode_from", "postcode_to"}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SUFFIX = re.compile(r"\s+\[([^\[\]]*)\]$")
_LABEL_START = re.compile(r" \(|（")
_RANGE = re.compile(r"^(\d{3}-?\d{4})\s*[-~〜]\s*(\d{3}-?\d{4})$")
# Markup: the start of an HTML tag, an end tag, a comment or a declaration.
_MARKUP = re.compile(r"<\s*[A-Za-z/!?]")
PORTAL_SEPARATOR = ":"  # a partner's entry is stored as <portal>:<its slug>
PARTNER_SLUG_MAX = 80  # stored with the portal id (at most 40) and the separator: 121


# --- results and errors ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int  # stored before and changed by the file
    unchanged: int = 0  # in the file exactly as stored: not written


@dataclass(frozen=True)
class ImportProblem:
    """One problem in an import file: where (CSV line, or index in ``organisations``), which
    field, and what is wrong."""

    message: str
    field: str = ""
    line: int | None = None
    index: int | None = None

    def __str__(self):
        parts = []
        if self.line is not None:
            parts.append(_("line %(line)d") % {"line": self.line})
        if self.index is not None:
            parts.append(f"organisations[{self.index}]")
        if self.field:
            parts.append(self.field)
        return ": ".join([*parts, self.message])


class DirectoryImportError(Exception):
    """The file was not imported; ``errors`` lists every problem found in it."""

    def __init__(self, errors: list[ImportProblem]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class DirectoryExportError(Exception):
    """The directory could not be written in the format asked for."""


def _format_of(path: Path) -> str | None:
    suffix = Path(path).suffix.lower()
    return suffix[1:] if suffix in (".json", ".csv") else None


def _unsupported(path: Path) -> str:
    return _("Unsupported file type “%(suffix)s”: use a .json or .csv file.") % {
        "suffix": Path(path).suffix or Path(path).name
    }


# --- parsed records -------------------------------------------------------------------------


@dataclass
class _Record:
    """One organisation as read from a file, before validation."""

    line: int | None = None  # CSV: physical line where the row starts (header = 1)
    index: int | None = None  # JSON: position in "organisations"
    fields: dict[str, Any] = field(default_factory=dict)
    contacts: list[tuple[str, dict]] = field(default_factory=list)  # (name in messages, data)
    areas: list[tuple[str, dict]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    def problem(self, name: str, message) -> None:
        self.problems.append(ImportProblem(str(message), name, self.line, self.index))

    def sub_name(self, prefix: str, model_field: str) -> str:
        """How a contact's or area's model field is named in messages."""
        if self.index is not None:  # JSON: contacts[1].value
            return prefix if model_field == NON_FIELD_ERRORS else f"{prefix}.{model_field}"
        if model_field in ("label", "verification"):  # CSV: the column, the field if unclear
            return f"{prefix} ({model_field})"
        return prefix


def _parse_date(rec: _Record, value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    rec.problem("last_checked", _("Enter a date as YYYY-MM-DD."))
    return None


def _decode_contact(entry: str) -> tuple[str, str, str | None]:
    """``value (label) [verification]`` → (value, label, verification or None).

    Raises ValueError when brackets are unbalanced."""
    verification = None
    suffix = _SUFFIX.search(entry)
    if suffix:
        verification, entry = suffix.group(1).strip(), entry[: suffix.start()]
    start = _LABEL_START.search(entry)
    if not start:
        return entry.strip(), "", verification
    if not entry.endswith((")", "）")):
        raise ValueError
    return entry[: start.start()].strip(), entry[start.end() : -1].strip(), verification


def _encode_contact(contact: Contact, org_verification: str) -> str:
    if "|" in contact.value or "|" in contact.label or _LABEL_START.search(contact.value):
        raise DirectoryExportError(
            _(
                "The contact “%(value)s” of “%(slug)s” cannot be written as CSV (it contains “|” or "
                "a bracket after a space): export as JSON instead."
            )
            % {"value": contact.value, "slug": contact.organisation.slug}
        )
    text = contact.value + (f" ({contact.label})" if contact.label else "")
    if contact.verification != org_verification:
        text += f" [{contact.verification}]"
    return text


def _decode_area(entry: str) -> dict | None:
    code, colon, rng = entry.partition(":")
    if not colon:
        return {"area_code": code.strip(), "postcode_from": "", "postcode_to": ""}
    match = _RANGE.match(rng.strip())
    if not match:
        return None
    return {"area_code": code.strip(), "postcode_from": match.group(1), "postcode_to": match.group(2)}


def _encode_area(area: ServiceArea) -> str:
    rng = f":{area.postcode_from}-{area.postcode_to}" if area.postcode_from else ""
    return f"{area.area_code}{rng}"


def _split(cell: str, sep: str) -> list[str]:
    return [part.strip() for part in cell.split(sep) if part.strip()]


# --- CSV --------------------------------------------------------------------------------------


def _parse_csv(text: str) -> tuple[list[_Record], list[ImportProblem]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[_Record] = []
    header: list[str] | None = None
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [name.strip() for name in row]
                problems = _check_header(header)
                if problems:
                    return [], problems
                continue
            rec = _Record(line=start)
            records.append(rec)
            if len(row) != len(header):
                rec.problem(
                    "",
                    _("This row has %(cells)d cells but the header has %(columns)d.")
                    % {"cells": len(row), "columns": len(header)},
                )
                continue
            _csv_row(rec, {name: cell.strip() for name, cell in zip(header, row)})
    except csv.Error as exc:
        return records, [ImportProblem(_("Malformed CSV: %(error)s") % {"error": exc}, line=reader.line_num)]
    if header is None:
        return [], [ImportProblem(_("The file is empty: it needs a header row."), line=1)]
    return records, []


def _check_header(header: list[str]) -> list[ImportProblem]:
    problems = []
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    for names, message in (
        (missing, _("Missing columns: %(names)s.")),
        (unknown, _("Unknown columns: %(names)s.")),
        (doubled, _("Columns given more than once: %(names)s.")),
    ):
        if names:
            problems.append(ImportProblem(message % {"names": ", ".join(names)}, line=1))
    return problems


def _csv_row(rec: _Record, cells: dict[str, str]) -> None:
    rec.fields = {name: cells[name] for name in TEXT_FIELDS}
    rec.fields["name_kana"] = natural_reading(rec.fields["name_kana"])
    rec.fields["verification"] = cells["verification"] or Verification.SAMPLE
    rec.fields["last_checked"] = _parse_date(rec, cells["last_checked"])
    for column in CONTACT_COLUMNS:
        entries = _split(cells[column], "|")
        for n, entry in enumerate(entries, 1):
            name = f"{column} #{n}" if len(entries) > 1 else column
            try:
                value, label, verification = _decode_contact(entry)
            except ValueError:
                rec.problem(name, _("Write a contact as “value” or “value (label)”."))
                continue
            rec.contacts.append((name, {"kind": column, "value": value, "label": label, "verification": verification}))
    entries = _split(cells["areas"], ";")
    for n, entry in enumerate(entries, 1):
        name = f"areas #{n}" if len(entries) > 1 else "areas"
        area = _decode_area(entry)
        if area is None:
            rec.problem(name, _("Write an area as CODE, CODE:FROM-TO or :FROM-TO, such as 01100:0600000-0609999."))
        else:
            rec.areas.append((name, area))


# --- JSON -------------------------------------------------------------------------------------


def _parse_json(text: str) -> tuple[list[_Record], list[ImportProblem]]:
    try:
        data = json.loads(text)
    except RecursionError:
        return [], [ImportProblem(_("The JSON is nested too deeply."), line=1)]
    except json.JSONDecodeError as exc:
        return [], [
            ImportProblem(
                _("Malformed JSON: %(error)s (column %(column)d).") % {"error": exc.msg, "column": exc.colno},
                line=exc.lineno,
            )
        ]
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("organisations"), list):
        return [], [
            ImportProblem(
                _(
                    "This is not a directory file: expected an object with "
                    "“format”: “%(format)s” and a list “organisations”."
                )
                % {"format": FORMAT}
            )
        ]
    if data.get("version") != VERSION:
        return [], [
            ImportProblem(
                _("Unsupported version %(version)s: this portal reads version %(supported)d.")
                % {"version": data.get("version"), "supported": VERSION}
            )
        ]
    records = []
    for index, item in enumerate(data["organisations"]):
        rec = _Record(index=index)
        records.append(rec)
        if not isinstance(item, dict):
            rec.problem("", _("Expected an object."))
            continue
        _json_item(rec, item)
    return records, []


def _text(rec: _Record, obj: dict, key: str, name: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        rec.problem(name, _("Expected text."))
        return ""
    return value.strip()


def _unknown_keys(rec: _Record, obj: dict, allowed: set[str], name: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        rec.problem(name, _("Unknown keys: %(names)s.") % {"names": ", ".join(unknown)})


def _json_list(rec: _Record, item: dict, key: str, allowed: set[str]):
    value = item.get(key) or []
    if not isinstance(value, list):
        rec.problem(key, _("Expected a list."))
        return
    for n, obj in enumerate(value):
        name = f"{key}[{n}]"
        if not isinstance(obj, dict):
            rec.problem(name, _("Expected an object."))
            continue
        _unknown_keys(rec, obj, allowed, name)
        yield name, {k: _text(rec, obj, k, f"{name}.{k}") for k in allowed}


def _json_item(rec: _Record, item: dict) -> None:
    _unknown_keys(rec, item, _ORG_KEYS, "")
    rec.fields = {name: _text(rec, item, name, name) for name in TEXT_FIELDS}
    rec.fields["name_kana"] = natural_reading(rec.fields["name_kana"])
    rec.fields["verification"] = _text(rec, item, "verification", "verification") or Verification.SAMPLE
    rec.fields["last_checked"] = _parse_date(rec, item.get("last_checked"))
    # Checked by the model's clean() with the other fields (absent or null: no keys).
    rec.fields["receipt_keys"] = item.get("receipt_keys") or []
    for name, contact in _json_list(rec, item, "contacts", _CONTACT_KEYS):
        contact["verification"] = contact["verification"] or None
        rec.contacts.append((name, contact))
    rec.areas.extend(_json_list(rec, item, "areas", _AREA_KEYS))


# --- validation and writing -------------------------------------------------------------------


@dataclass
class _Plan:
    organisation: Organisation
    contacts: list[Contact]
    areas: list[ServiceArea]
    created: bool
    changed: bool = True


@dataclass
class _Stored:
    """An organisation as stored, in the shape of a record: what an import compares against."""

    pk: int
    fields: dict[str, Any]
    contacts: tuple[tuple[str, str, str, str], ...]  # (kind, value, label, verification)
    areas: tuple[tuple[str, str, str], ...]  # (area code, postal codes from, to)


_COMPARED = (*TEXT_FIELDS[1:], "last_checked", "verification", "portal", "receipt_keys")


def _stored_directory() -> dict[str, _Stored]:
    """Every stored organisation by slug, with its contacts and areas: three queries of plain
    values, however large the directory."""
    stored = {
        values["slug"]: _Stored(values["pk"], values, (), ())
        for values in Organisation.objects.values("pk", "slug", *_COMPARED)
    }
    by_pk = {entry.pk: entry for entry in stored.values()}
    contacts: dict[int, list] = {}
    for org_id, *contact in Contact.objects.order_by("organisation_id", "position", "id").values_list(
        "organisation_id", "kind", "value", "label", "verification"
    ):
        contacts.setdefault(org_id, []).append(tuple(contact))
    areas: dict[int, list] = {}
    for org_id, *area in ServiceArea.objects.order_by("organisation_id", "id").values_list(
        "organisation_id", "area_code", "postcode_from", "postcode_to"
    ):
        areas.setdefault(org_id, []).append(tuple(area))
    for pk, entry in by_pk.items():
        entry.contacts = tuple(contacts.get(pk, ()))
        entry.areas = tuple(areas.get(pk, ()))
    return stored


def _same_as_stored(fields: dict, contacts, areas, stored: _Stored) -> bool:
    """Whether an organisation would be written exactly as it is stored (``receipt_keys`` only
    when the record has them: CSV leaves them alone)."""
    if any(fields[name] != stored.fields[name] for name in TEXT_FIELDS[1:]):
        return False
    if (
        fields["last_checked"] != stored.fields["last_checked"]
        or fields["verification"] != stored.fields["verification"]
        or stored.fields["portal"] != LOCAL_PORTAL
    ):
        return False
    if "receipt_keys" in fields and list(fields["receipt_keys"]) != list(stored.fields["receipt_keys"] or []):
        return False
    return contacts == stored.contacts and areas == stored.areas


def _record_unchanged(rec: _Record, stored: _Stored | None) -> bool:
    """Whether a record, as read, is exactly what is stored (then it was validated when it was
    stored and is neither validated nor written again: an unchanged re-import is cheap)."""
    if stored is None or rec.problems:
        return False
    default = rec.fields["verification"]
    contacts = tuple((d["kind"], d["value"], d["label"], d["verification"] or default) for _name, d in rec.contacts)
    areas = tuple((d["area_code"], d["postcode_from"], d["postcode_to"]) for _name, d in rec.areas)
    return _same_as_stored(rec.fields, contacts, areas, stored)


def _plan_unchanged(plan: _Plan, stored: _Stored, *, with_receipt_keys: bool) -> bool:
    """Whether a validated (normalised) organisation is what is stored."""
    org = plan.organisation
    fields = {name: getattr(org, name) for name in (*TEXT_FIELDS, "last_checked", "verification")}
    if with_receipt_keys:
        fields["receipt_keys"] = org.receipt_keys
    contacts = tuple((c.kind, c.value, c.label, c.verification) for c in plan.contacts)
    areas = tuple((a.area_code, a.postcode_from, a.postcode_to) for a in plan.areas)
    return _same_as_stored(fields, contacts, areas, stored)


def _unknown_choice(value: str, choices) -> str:
    return _("Unknown value “%(value)s”: use one of %(choices)s.") % {
        "value": value,
        "choices": ", ".join(choices.values),
    }


def _full_clean(instance, report, exclude: list[str], postcode_fields=(), **kwargs) -> bool:
    """``full_clean()`` the instance, reporting each message by field; True if it is valid.

    Postal codes are normalised first (``060-8611`` → ``0608611``) so the field's length check
    sees the stored form; one that does not normalise is left to the model's ``clean()``.
    """
    exclude = list(exclude)
    for name in postcode_fields:
        value = getattr(instance, name)
        if value:
            try:
                setattr(instance, name, validate_postcode(value))
            except ValidationError:
                exclude.append(name)
    try:
        instance.full_clean(exclude=exclude, **kwargs)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                report(name, message)
        return False
    return True


def _check_choice(rec: _Record, name: str, value: str, choices, exclude: list[str], model_field: str) -> None:
    if value and value not in choices.values:
        rec.problem(name, _unknown_choice(value, choices))
        exclude.append(model_field)


def _check_markup(rec: _Record) -> None:
    texts = [(name, value) for name, value in rec.fields.items() if isinstance(value, str)]
    texts += [(name, data.get(key) or "") for name, data in rec.contacts for key in ("value", "label")]
    for name, value in texts:
        if _MARKUP.search(value):
            rec.problem(name, _("Markup (HTML) is not allowed here: give plain text."))


def _check_region(rec: _Record, region: list[str]) -> None:
    """Every area of a partner's entry needs a code, and must meet the region the partner claims."""
    for name, data in rec.areas:
        code = data.get("area_code") or ""
        if not code:
            rec.problem(name, _("A partner portal's area needs its prefecture or municipality code."))
        elif AREA_CODE_RE.match(code) and not (
            area_within(code, region) or any(area_within(area, [code]) for area in region)
        ):
            rec.problem(
                name,
                _("The area %(code)s lies outside the places this portal serves (%(served)s).")
                % {"code": code, "served": ", ".join(region) or "-"},
            )


def _narrowed(areas: list[ServiceArea], served: list[str]) -> list[ServiceArea]:
    """A partner's areas cut to where it counts (its region inside the areas the operator
    allowed): ``27`` with ``27100`` served is ``27100``; an area outside goes."""
    kept: dict[tuple[str, str, str], ServiceArea] = {}
    for area in areas:
        codes = (
            [area.area_code]
            if area_within(area.area_code, served)
            else [code for code in served if area_within(code, [area.area_code])]
        )
        for code in codes:
            key = (code, area.postcode_from, area.postcode_to)
            kept.setdefault(
                key, ServiceArea(area_code=code, postcode_from=area.postcode_from, postcode_to=area.postcode_to)
            )
    return list(kept.values())


def _validate(
    records: list[_Record], progress=None, *, portal: str = LOCAL_PORTAL, region: list[str] | None = None
) -> tuple[list[_Plan], list[ImportProblem]]:
    """Check every record; for a partner portal's copy (``portal`` not local) against nothing
    stored (the copy replaces the previous one whole) and within the ``region`` it claims."""
    own = portal == LOCAL_PORTAL
    stored = _stored_directory() if own else {}
    first_seen: dict[str, _Record] = {}
    plans = []
    for n, rec in enumerate(records, 1):
        if progress and n % 500 == 0:
            progress("checking", n, len(records))
        if not rec.fields:  # the row or item could not be read at all
            continue
        _check_markup(rec)
        if not own:
            _check_region(rec, region or [])
        slug = rec.fields["slug"]
        duplicate = first_seen.get(slug) if slug else None
        if duplicate:
            where = (
                _("line %(line)d") % {"line": duplicate.line} if duplicate.line else f"organisations[{duplicate.index}]"
            )
            rec.problem(
                "slug", _("The identifier “%(slug)s” is also used at %(where)s.") % {"slug": slug, "where": where}
            )
        elif slug:
            first_seen[slug] = rec
        if not own and len(slug) > PARTNER_SLUG_MAX:
            rec.problem("slug", _("A partner portal's identifier may have at most 80 characters."))
        existing = stored.get(slug) if not duplicate else None
        if existing is not None and _record_unchanged(rec, existing):
            plans.append(_Plan(Organisation(pk=existing.pk, slug=slug), [], [], created=False, changed=False))
            continue
        org = Organisation(pk=existing.pk if existing else None)
        exclude: list[str] = []
        _check_choice(rec, "category", rec.fields["category"], Category, exclude, "category")
        _check_choice(rec, "verification", rec.fields["verification"], Verification, exclude, "verification")
        for name, value in rec.fields.items():
            setattr(org, name, value)
        org.portal = portal
        # Every slug of the directory is in ``stored`` and duplicates within the file are
        # reported above: no query per organisation for uniqueness.
        _full_clean(
            org,
            lambda f, m, rec=rec: rec.problem("" if f == NON_FIELD_ERRORS else f, m),
            exclude,
            ("postcode",),
            validate_unique=False,
        )
        default = org.verification if org.verification in Verification.values else Verification.SAMPLE
        contacts = [
            c
            for c in (
                _contact(rec, name, data, default, position) for position, (name, data) in enumerate(rec.contacts)
            )
            if c
        ]
        areas = []
        for name, data in rec.areas:
            area = ServiceArea(**data)
            report = lambda f, m, rec=rec, name=name: rec.problem(rec.sub_name(name, f), m)  # noqa: E731
            if _full_clean(area, report, ["organisation"], ("postcode_from", "postcode_to")):
                areas.append(area)
        plan = _Plan(org, contacts, areas, created=existing is None)
        if existing is not None and not rec.problems:
            plan.changed = not _plan_unchanged(plan, existing, with_receipt_keys="receipt_keys" in rec.fields)
        plans.append(plan)
    return plans, [p for rec in records for p in rec.problems]


def _contact(rec: _Record, name: str, data: dict, default: str, position: int) -> Contact | None:
    kind = data["kind"]
    if kind not in ContactKind.values:
        rec.problem(rec.sub_name(name, "kind"), _unknown_choice(kind, ContactKind))
        return None
    exclude = ["organisation"]
    verification = data["verification"] or default
    _check_choice(rec, rec.sub_name(name, "verification"), verification, Verification, exclude, "verification")
    contact = Contact(kind=kind, value=data["value"], label=data["label"], verification=verification, position=position)
    report = lambda f, m, rec=rec: rec.problem(rec.sub_name(name, f), m)  # noqa: E731
    return contact if _full_clean(contact, report, exclude) else None


BATCH = 500  # rows per INSERT / UPDATE / IN (…)


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write(plans: list[_Plan], *, with_receipt_keys: bool, progress=None) -> None:
    """Write the new and changed organisations in bulk, in the caller's transaction."""
    new = [p for p in plans if p.created]
    changed = [p for p in plans if not p.created and p.changed]
    total, done = len(new) + len(changed), 0
    for chunk in _chunks(new):
        Organisation.objects.bulk_create([p.organisation for p in chunk])
        done += len(chunk)
        if progress:
            progress("writing", done, total)
    now = timezone.now()
    fields = [
        *TEXT_FIELDS[1:],
        "last_checked",
        "verification",
        "portal",
        "updated_at",
        *(["receipt_keys"] if with_receipt_keys else []),
    ]
    for chunk in _chunks(changed):
        for plan in chunk:
            plan.organisation.updated_at = now
        Organisation.objects.bulk_update([p.organisation for p in chunk], fields)
        ids = [p.organisation.pk for p in chunk]
        Contact.objects.filter(organisation_id__in=ids).delete()
        ServiceArea.objects.filter(organisation_id__in=ids).delete()
        done += len(chunk)
        if progress:
            progress("writing", done, total)
    contacts, areas = [], []
    for plan in (*new, *changed):
        for contact in plan.contacts:
            contact.organisation = plan.organisation
        for area in plan.areas:
            area.organisation = plan.organisation
        contacts += plan.contacts
        areas += plan.areas
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    ServiceArea.objects.bulk_create(areas, batch_size=BATCH)


def directory_import(*, path: Path, progress=None) -> ImportResult:
    """Import a directory file (JSON or CSV); all or nothing.

    Raises ``DirectoryImportError`` listing every problem; the database is then unchanged.
    Organisations exactly as stored are skipped (neither validated again nor written); the
    others are written in bulk, and the directory's revision is renewed once, only when
    something changed (so an unchanged re-import makes no web process reload anything).
    ``progress(stage, done, total)`` is called now and then (stages ``checking``, ``writing``).
    """
    path = Path(path)
    fmt = _format_of(path)
    if fmt is None:
        raise DirectoryImportError([ImportProblem(_unsupported(path))])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DirectoryImportError(
            [ImportProblem(_("Cannot read the file: %(error)s") % {"error": exc.strerror or exc})]
        ) from exc
    except UnicodeDecodeError as exc:
        raise DirectoryImportError(
            [ImportProblem(_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."))]
        ) from exc
    records, problems = (_parse_json if fmt == "json" else _parse_csv)(text)
    plans, record_problems = _validate(records, progress)
    if progress:
        progress("checking", len(records), len(records))
    problems += record_problems
    if problems:
        logger.info("directory_import_rejected problems=%d", len(problems))
        raise DirectoryImportError(problems)
    result = ImportResult(
        created=sum(p.created for p in plans),
        updated=sum(p.changed and not p.created for p in plans),
        unchanged=sum(not p.changed for p in plans),
    )
    if result.created or result.updated:
        with transaction.atomic(), revision_bumps_deferred():
            _write(plans, with_receipt_keys=fmt == "json", progress=progress)
            bump_revision()  # once for the whole import (bulk writes send no signals)
    logger.info(
        "directory_imported created=%d updated=%d unchanged=%d", result.created, result.updated, result.unchanged
    )
    return result


# --- partner portals' copies -----------------------------------------------------------------


def portal_copy(portal: str) -> PortalCopy | None:
    return PortalCopy.objects.filter(portal=portal).first()


def replace_portal_copy(
    *, portal: str, name: str, served: list[str], etag: str, text: str, region: list[str] | None = None
) -> ImportResult:
    """Replace a partner portal's copy (its ``hikkoshi-directory`` JSON) with ``text``: checked by
    the rules of ``directory_import``, every area with a code that meets the ``region`` the
    partner claims (``served`` when not given) — else the whole copy is refused —, each area then
    cut to ``served`` (its region inside the areas the operator allowed; an entry left without
    any area is not kept). Written in one transaction: the previous copy's entries deleted, the
    new ones stored as ``<portal>:<slug>`` with ``portal``, its ``PortalCopy`` renewed. Raises
    ``DirectoryImportError``; the last good copy then stays. Receipt keys are not copied (a
    partner's organisations are never sent to)."""
    if not portal or portal == LOCAL_PORTAL or PORTAL_SEPARATOR in portal:
        raise ValueError(f"not a partner portal's id: {portal!r}")
    records, problems = _parse_json(text)
    plans, record_problems = _validate(records, portal=portal, region=list(region or served))
    problems += record_problems
    if problems:
        logger.info("portal_copy_refused portal=%s problems=%d", portal, len(problems))
        raise DirectoryImportError(problems)
    for plan in plans:
        plan.areas = _narrowed(plan.areas, list(served))
    outside = sum(not plan.areas for plan in plans)
    plans = [plan for plan in plans if plan.areas]
    for plan in plans:
        plan.organisation.slug = f"{portal}{PORTAL_SEPARATOR}{plan.organisation.slug}"
        plan.organisation.receipt_keys = []
    now = timezone.now()
    with transaction.atomic(), revision_bumps_deferred():
        previous = Organisation.objects.filter(portal=portal)
        ServiceArea.objects.filter(organisation__in=previous).delete()
        Contact.objects.filter(organisation__in=previous).delete()
        removed = previous.delete()[1].get(Organisation._meta.label, 0)
        _write(plans, with_receipt_keys=False)
        PortalCopy.objects.update_or_create(
            portal=portal,
            defaults={
                "name": name[:200],
                "areas": list(served),
                "etag": etag[:200],
                "copied_at": now,
                "checked_at": now,
            },
        )
        bump_revision()
    logger.info(
        "portal_copy_replaced portal=%s organisations=%d removed=%d outside=%d", portal, len(plans), removed, outside
    )
    return ImportResult(created=len(plans), updated=0, unchanged=0)


def checked_portal_entries(*, portal: str, served: list[str], organisations: list) -> list[Organisation]:
    """A partner's answer for one place (its entries in the ``hikkoshi-directory`` format), checked by the
    rules of ``replace_portal_copy`` and cut to ``served`` the same way, but not stored: unsaved
    organisations named ``<portal>:<slug>``, with ``contact_list`` and ``area_list``. Raises
    ``DirectoryImportError`` (the whole answer is refused). No query."""
    if not portal or portal == LOCAL_PORTAL or PORTAL_SEPARATOR in portal:
        raise ValueError(f"not a partner portal's id: {portal!r}")
    document = {"format": FORMAT, "version": VERSION, "organisations": organisations}
    records, problems = _parse_json(json.dumps(document, ensure_ascii=False))
    plans, record_problems = _validate(records, portal=portal, region=list(served))
    problems += record_problems
    if problems:
        raise DirectoryImportError(problems)
    found = []
    for plan in plans:
        areas = _narrowed(plan.areas, list(served))
        if not areas:
            continue
        org = plan.organisation
        org.slug = f"{portal}{PORTAL_SEPARATOR}{org.slug}"
        org.receipt_keys = []
        org.contact_list = list(plan.contacts)
        org.area_list = areas
        found.append(org)
    return found


def portal_copy_unchanged(portal: str) -> None:
    """The partner said its directory is unchanged (a 304): only the time it was asked is kept;
    nothing of the directory is rewritten (no new revision)."""
    PortalCopy.objects.filter(portal=portal).update(checked_at=timezone.now())


def drop_portal_copy(portal: str) -> int:
    """Forget a partner portal's copy and its entries; how many organisations went."""
    if portal == LOCAL_PORTAL:
        raise ValueError("the local directory is not a copy")
    with transaction.atomic(), revision_bumps_deferred():
        removed = Organisation.objects.filter(portal=portal).delete()[1].get(Organisation._meta.label, 0)
        copies = PortalCopy.objects.filter(portal=portal).delete()[0]
        if removed or copies:
            bump_revision()
    return removed


# --- export -----------------------------------------------------------------------------------


def _organisations(portal: str):
    return (
        Organisation.objects.filter(portal=portal)
        .order_by("category", "slug")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("position", "id")),
            Prefetch("areas", queryset=ServiceArea.objects.order_by("id")),
        )
    )


def organisation_as_dict(org: Organisation, *, areas: list[ServiceArea] | None = None) -> dict:
    """An organisation in the JSON format (contacts and areas prefetched or not; ``areas`` in
    place of its own)."""
    data = {
        **{name: getattr(org, name) for name in TEXT_FIELDS},
        "last_checked": org.last_checked.isoformat() if org.last_checked else None,
        "verification": org.verification,
        "contacts": [
            {"kind": c.kind, "value": c.value, "label": c.label, "verification": c.verification}
            for c in org.contacts.all()
        ],
        "areas": [
            {"area_code": a.area_code, "postcode_from": a.postcode_from, "postcode_to": a.postcode_to}
            for a in (org.areas.all() if areas is None else areas)
        ],
    }
    if org.receipt_keys:
        data["receipt_keys"] = list(org.receipt_keys)
    return data


def _csv_text(orgs) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # "\r\n" line ends, quoting as Excel does
    writer.writerow(CSV_COLUMNS)
    for org in orgs:
        row = {name: getattr(org, name) for name in TEXT_FIELDS}
        row["last_checked"] = org.last_checked.isoformat() if org.last_checked else ""
        row["verification"] = org.verification
        contacts = list(org.contacts.all())
        for column in CONTACT_COLUMNS:
            row[column] = " | ".join(_encode_contact(c, org.verification) for c in contacts if c.kind == column)
        row["areas"] = ";".join(_encode_area(a) for a in org.areas.all())
        writer.writerow([row[name] for name in CSV_COLUMNS])
    return out.getvalue()


def _json_text(orgs) -> str:
    document = {"format": FORMAT, "version": VERSION, "organisations": [organisation_as_dict(org) for org in orgs]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def directory_json(portal: str = LOCAL_PORTAL, *, within: list[str] | None = None) -> str:
    """The organisations of a portal (this one by default) as the JSON of ``directory export``.

    With ``within`` (a region's prefecture/municipality codes), what a partner portal fetches
    (``GET /federation/v1/directory``): each organisation's areas cut to that region, as a
    partner's copy is cut when it is stored (``_narrowed``), and the organisations with no area
    left out. A portal speaks for its own region only: the nationwide entries it ships (日本郵便
    for every prefecture) would otherwise make every partner refuse its whole copy."""
    if within is None:
        return _json_text(_organisations(portal))
    items = []
    for org in _organisations(portal):
        areas = _narrowed(list(org.areas.all()), within)
        if areas:
            items.append(organisation_as_dict(org, areas=areas))
    document = {"format": FORMAT, "version": VERSION, "organisations": items}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def directory_export(*, path: Path, portal: str = LOCAL_PORTAL) -> int:
    """Write the organisations of a portal (this one by default) to a JSON or CSV file.

    Returns how many were written. The file is only written once all of it could be encoded.
    """
    path = Path(path)
    fmt = _format_of(path)
    if fmt is None:
        raise DirectoryExportError(_unsupported(path))
    orgs = list(_organisations(portal))
    if fmt == "json":
        data = _json_text(orgs).encode("utf-8")
    else:
        data = _csv_text(orgs).encode("utf-8-sig")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DirectoryExportError(_("Cannot write the file: %(error)s") % {"error": exc.strerror or exc}) from exc
    logger.info("directory_exported organisations=%d format=%s", len(orgs), fmt)
    return len(orgs)


# --- a partner portal's copy (ポータル間連携) ---------------------------------------------------


class _MarkupFinder(HTMLParser):
    """Notes whether a text holds markup as an HTML parser reads it: a tag, a comment, a
    declaration, a processing instruction or a character reference (``&lt;``, ``&#60;``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found = False

    def _found(self, *args: object) -> None:
        self.found = True


# Each thing the parser reports that is markup (not text) marks the text as holding markup.
for _event in (
    "handle_starttag",
    "handle_startendtag",
    "handle_endtag",
    "handle_comment",
    "handle_decl",
    "handle_pi",
    "unknown_decl",
    "handle_entityref",
    "handle_charref",
):
    setattr(_MarkupFinder, _event, _MarkupFinder._found)
del _event


def has_markup(text: str) -> bool:
    """Whether ``text`` holds HTML markup (tags, comments, character references); a ``<`` that
    starts no tag (``5 < 6``) is text."""
    if "<" not in text and "&" not in text:
        return False
    finder = _MarkupFinder()
    finder.feed(text)
    finder.close()
    return finder.found


# Links that run something when followed (javascript:, vbscript:, data:text/html…), refused
# anywhere in a partner's text, also with spaces or control characters slipped in.
_SCRIPT_LINK = re.compile(r"(?<![a-z0-9+.-])(?:javascript:|vbscript:|data:[a-z]+/)")


def _script_link(text: str) -> bool:
    squeezed = "".join(ch for ch in text.lower() if not ch.isspace() and ch.isprintable())
    return bool(_SCRIPT_LINK.search(squeezed))


def _within(code: str, allowed: Collection[str]) -> bool:
    """Whether an area code lies inside one of the allowed codes (a prefecture covers its
    municipalities; a designated city its wards)."""
    if code in allowed:
        return True
    if len(code) == 5:
        return code[:2] in allowed or municipality_code(code) in allowed
    return False


def validate_partner_directory(document: Any, *, allowed_areas: Collection[str]) -> list[ImportProblem]:
    """Every problem of a partner portal's directory (the JSON format of this module, as an
    object): the rules of ``directory import`` (each organisation's, contact's and area's own
    checks: web addresses http(s) only, e-mail and phone forms, known area codes, dates) and
    those of a copy from elsewhere — no markup and no script link in any text, every service
    area inside ``allowed_areas`` (2-digit prefecture or 5-digit municipality codes the
    operator allowed the partner) and named by its code, at least one area per organisation.

    Nothing is read from or written to the database; an empty list means the copy may be used
    whole (a copy with any problem is refused whole: the last good copy stays).
    """
    allowed = frozenset(allowed_areas)
    records, problems = _parse_json(json.dumps(document, ensure_ascii=False))
    if problems:
        return problems
    seen: dict[str, _Record] = {}
    for rec in records:
        if not rec.fields:
            continue
        slug = rec.fields["slug"]
        if slug in seen:
            rec.problem("slug", _("The identifier “%(slug)s” is used twice.") % {"slug": slug})
        seen[slug] = rec
        texts = [(name, value) for name, value in rec.fields.items() if isinstance(value, str)]
        for name, data in rec.contacts:
            texts += [(f"{name}.value", data["value"]), (f"{name}.label", data["label"])]
        for name, value in texts:
            if has_markup(value):
                rec.problem(name, _("Markup (HTML) is not accepted from a partner portal."))
            elif _script_link(value):
                rec.problem(name, _("A script link (javascript:, data:) is not accepted."))
        exclude: list[str] = []
        _check_choice(rec, "category", rec.fields["category"], Category, exclude, "category")
        _check_choice(rec, "verification", rec.fields["verification"], Verification, exclude, "verification")
        org = Organisation(**{k: v for k, v in rec.fields.items() if k != "receipt_keys"})
        org.receipt_keys = rec.fields.get("receipt_keys") or []
        _full_clean(
            org,
            lambda f, m, rec=rec: rec.problem("" if f == NON_FIELD_ERRORS else f, m),
            exclude,
            ("postcode",),
            validate_unique=False,
        )
        default = org.verification if org.verification in Verification.values else Verification.SAMPLE
        for position, (name, data) in enumerate(rec.contacts):
            _contact(rec, name, data, default, position)
        if not rec.areas:
            rec.problem("areas", _("A partner's organisation needs at least one service area."))
        for name, data in rec.areas:
            area = ServiceArea(**data)
            report = lambda f, m, rec=rec, name=name: rec.problem(rec.sub_name(name, f), m)  # noqa: E731
            if not _full_clean(area, report, ["organisation"], ("postcode_from", "postcode_to")):
                continue
            if not area.area_code:
                rec.problem(f"{name}.area_code", _("Name the prefecture or municipality of this area."))
            elif not _within(area.area_code, allowed):
                rec.problem(
                    f"{name}.area_code",
                    _("The area %(code)s is outside the areas allowed for this portal.") % {"code": area.area_code},
                )
    return [p for rec in records for p in rec.problems]
