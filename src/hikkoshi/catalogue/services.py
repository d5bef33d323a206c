"""Writes of the catalogue: import and export of procedures (``hikkoshi catalogue import|export``).

The file is JSON: ``{"format": "hikkoshi-catalogue", "version": 1, "procedures": [...]}``, each
procedure as ``Procedure.definition()`` plus ``position`` and ``active``. An import checks every
procedure (the models' own validation, organisation known, identifiers unique) before writing
anything, reports every problem by its path (``procedures[2].fields[0].type``), and writes all
or nothing. Imported procedures whose definition changed get a new version.
"""

from contextlib import nullcontext
from dataclasses import dataclass
import json
import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hikkoshi.directory.models import Organisation
from hikkoshi.directory.signals import bump_revision

from .models import Procedure, ProcedureVersion, is_required

logger = logging.getLogger(__name__)

FORMAT = "hikkoshi-catalogue"
VERSION = 1
FIELDS = (
    "name",
    "name_en",
    "description",
    "description_en",
    "move_kinds",
    "conditions",
    "required",
    "end",
    "shares",
    "fields",
    "channel",
    "channel_settings",
    "deadline_from_days",
    "deadline_to_days",
    "office",
    "official_form",
    "what_to_bring",
    "what_to_bring_en",
    "source",
    "position",
    "active",
)


class CatalogueImportError(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int  # found by slug (changed or not)
    new_versions: int
    unchanged: int = 0  # of those, exactly as stored: not written


def _read(path: Path) -> list:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueImportError([("file", _("Cannot read the file: %(error)s") % {"error": exc.strerror})]) from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CatalogueImportError([("file", _("Malformed JSON: %(error)s") % {"error": exc})]) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("procedures"), list):
        raise CatalogueImportError(
            [
                (
                    "file",
                    _("This is not a catalogue file: expected “format”: “%(format)s” and a list “procedures”.")
                    % {"format": FORMAT},
                )
            ]
        )
    if data.get("version") != VERSION:
        raise CatalogueImportError(
            [
                (
                    "version",
                    _("Unsupported version %(version)s: this portal reads version %(supported)d.")
                    % {"version": data.get("version"), "supported": VERSION},
                )
            ]
        )
    return data["procedures"]


def catalogue_import(*, path: Path, progress=None) -> ImportResult:
    """Import a catalogue file: all of it, or nothing.

    Made for a nationwide catalogue: everything the import compares against is read up front in
    three queries; a procedure exactly as stored (and as its latest version) is neither
    validated again nor written; the others are written in bulk with their new versions.
    ``progress(stage, done, total)`` is called now and then (``checking``, ``writing``).
    """
    items = _read(path)
    problems: list[tuple[str, str]] = []
    organisations = {o.slug: o for o in Organisation.objects.all()}
    existing = {p.slug: p for p in Procedure.objects.all()}
    by_id = {o.pk: o for o in organisations.values()}
    for procedure in existing.values():  # no query per procedure for its organisation
        procedure.organisation = by_id[procedure.organisation_id]
    latest: dict[int, tuple[int, dict]] = {}
    for procedure_id, number, definition in (
        ProcedureVersion.objects.order_by("procedure_id", "number")
        .values_list("procedure_id", "number", "definition")
        .iterator(chunk_size=2000)
    ):
        latest[procedure_id] = (number, definition)
    planned: list = []
    seen: dict[Any, str] = {}
    unchanged = 0
    for i, item in enumerate(items):
        if progress and i and i % 500 == 0:
            progress("checking", i, len(items))
        where = f"procedures[{i}]"
        if not isinstance(item, dict):
            problems.append((where, _("Expected an object.")))
            continue
        unknown = set(item) - set(FIELDS) - {"slug", "organisation"}
        if unknown:
            problems.append((where, _("Unknown keys: %(names)s.") % {"names": ", ".join(sorted(unknown))}))
        slug: Any = item.get("slug")  # validated with the procedure below
        if slug in seen:
            problems.append(
                (
                    f"{where}.slug",
                    _("The identifier “%(slug)s” is also used at %(where)s.") % {"slug": slug, "where": seen[slug]},
                )
            )
        seen[slug] = where
        organisation = organisations.get(item.get("organisation", ""))
        if organisation is None:
            problems.append(
                (
                    f"{where}.organisation",
                    _("No organisation “%(slug)s” in the directory.") % {"slug": item.get("organisation")},
                )
            )
            continue
        procedure = existing.get(slug) or Procedure(slug=slug)
        created = procedure.pk is None
        before = None if created else ([getattr(procedure, key) for key in FIELDS], procedure.organisation_id)
        procedure.organisation = organisation
        for key in FIELDS:
            if key in item:
                setattr(procedure, key, item[key] if item[key] is not None or key.startswith("deadline") else "")
        if created and "required" not in item:
            # A file written before "required" existed: the 住民異動届 was the required one.
            procedure.required = is_required(item)
        if (
            before is not None
            and not unknown
            and seen[slug] == where
            and before == ([getattr(procedure, key) for key in FIELDS], procedure.organisation_id)
            and latest.get(procedure.pk, (0, None))[1] == procedure.definition()
        ):
            unchanged += 1  # exactly as stored, validated when it was stored
            planned.append((procedure, created, False))
            continue
        try:
            # Every stored slug is in ``existing`` and duplicates in the file are reported above,
            # and the organisation was found in the directory read above: no query per
            # procedure for uniqueness or for its organisation.
            procedure.full_clean(exclude=["organisation"], validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    problems.append((f"{where}.{name}" if name != "__all__" else where, message))
            continue
        except (TypeError, ValueError) as exc:
            problems.append((where, str(exc)))
            continue
        planned.append((procedure, created, True))
    if problems:
        logger.info("catalogue_import_rejected problems=%d", len(problems))
        raise CatalogueImportError(problems)
    new_versions = 0
    # Bulk writes: ``Procedure.save()`` (which records a version) is not called; the versions
    # are recorded here, the same way; the revision the catalogue's index is built for is
    # renewed once, for the whole import.
    new = [p for p, created, _changed in planned if created]
    changed = [p for p, created, changed in planned if changed and not created]
    with transaction.atomic() if new or changed else nullcontext():
        for start in range(0, len(new), 500):
            Procedure.objects.bulk_create(new[start : start + 500])
        fields = [*FIELDS, "organisation"]
        for start in range(0, len(changed), 500):
            Procedure.objects.bulk_update(changed[start : start + 500], fields)
        versions = []
        for procedure in (*new, *changed):
            definition = procedure.definition()
            number, stored = latest.get(procedure.pk, (0, None))
            if stored != definition:
                versions.append(ProcedureVersion(procedure=procedure, number=number + 1, definition=definition))
        ProcedureVersion.objects.bulk_create(versions, batch_size=500)
        new_versions = len(versions)
        if new or changed:
            bump_revision()  # once for the whole import (bulk writes send no signals)
        if progress:
            progress("writing", len(new) + len(changed), len(new) + len(changed))
    result = ImportResult(
        created=sum(c for _p, c, _ch in planned),
        updated=sum(not c for _p, c, _ch in planned),
        new_versions=new_versions,
        unchanged=unchanged,
    )
    logger.info(
        "catalogue_imported created=%d updated=%d unchanged=%d versions=%d",
        result.created,
        result.updated,
        unchanged,
        new_versions,
    )
    return result


def catalogue_export(*, path: Path) -> int:
    procedures = []
    for procedure in Procedure.objects.select_related("organisation"):
        item = procedure.definition()
        item["position"] = procedure.position
        item["active"] = procedure.active
        procedures.append(item)
    text = json.dumps({"format": FORMAT, "version": VERSION, "procedures": procedures}, ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
    return len(procedures)
