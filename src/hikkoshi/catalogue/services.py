"""Writes of the catalogue: import and export of procedures (``hikkoshi catalogue import|export``).

The file is JSON: ``{"format": "hikkoshi-catalogue", "version": 1, "procedures": [...]}``, each
procedure as ``Procedure.definition()`` plus ``position`` and ``active``. An import checks every
procedure (the models' own validation, organisation known, identifiers unique) before writing
anything, reports every problem by its path (``procedures[2].fields[0].type``), and writes all
or nothing. Imported procedures whose definition changed get a new version.
"""

from dataclasses import dataclass
import json
import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hikkoshi.directory.models import Organisation

from .models import Procedure, is_required

logger = logging.getLogger(__name__)

FORMAT = "hikkoshi-catalogue"
VERSION = 1
FIELDS = ("name", "name_en", "description", "description_en", "move_kinds", "conditions", "required", "end",
          "shares", "fields",
          "channel", "channel_settings", "deadline_from_days", "deadline_to_days", "office",
          "official_form", "what_to_bring", "what_to_bring_en", "source", "position", "active")


class CatalogueImportError(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    new_versions: int


def _read(path: Path) -> list:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueImportError([("file", _("Cannot read the file: %(error)s") % {"error": exc.strerror})])
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CatalogueImportError([("file", _("Malformed JSON: %(error)s") % {"error": exc})])
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("procedures"), list):
        raise CatalogueImportError([("file", _("This is not a catalogue file: expected “format”: “%(format)s” and a list “procedures”.") % {"format": FORMAT})])
    if data.get("version") != VERSION:
        raise CatalogueImportError([("version", _("Unsupported version %(version)s: this portal reads version %(supported)d.") % {"version": data.get("version"), "supported": VERSION})])
    return data["procedures"]


def catalogue_import(*, path: Path) -> ImportResult:
    """Import a catalogue file: all of it, or nothing."""
    items = _read(path)
    problems: list[tuple[str, str]] = []
    organisations = {o.slug: o for o in Organisation.objects.all()}
    existing = {p.slug: p for p in Procedure.objects.select_related("organisation")}
    planned, seen = [], {}
    for i, item in enumerate(items):
        where = f"procedures[{i}]"
        if not isinstance(item, dict):
            problems.append((where, _("Expected an object.")))
            continue
        unknown = set(item) - set(FIELDS) - {"slug", "organisation"}
        if unknown:
            problems.append((where, _("Unknown keys: %(names)s.") % {"names": ", ".join(sorted(unknown))}))
        slug = item.get("slug")
        if slug in seen:
            problems.append((f"{where}.slug", _("The identifier “%(slug)s” is also used at %(where)s.") % {"slug": slug, "where": seen[slug]}))
        seen[slug] = where
        organisation = organisations.get(item.get("organisation"))
        if organisation is None:
            problems.append((f"{where}.organisation", _("No organisation “%(slug)s” in the directory.") % {"slug": item.get("organisation")}))
            continue
        procedure = existing.get(slug) or Procedure(slug=slug)
        created = procedure.pk is None
        procedure.organisation = organisation
        for key in FIELDS:
            if key in item:
                setattr(procedure, key, item[key] if item[key] is not None or key.startswith("deadline") else "")
        if created and "required" not in item:
            # A file written before "required" existed: the 住民異動届 was the required one.
            procedure.required = is_required(item)
        try:
            procedure.full_clean(validate_unique=created)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    problems.append((f"{where}.{name}" if name != "__all__" else where, message))
            continue
        except (TypeError, ValueError) as exc:
            problems.append((where, str(exc)))
            continue
        planned.append((procedure, created))
    if problems:
        logger.info("catalogue_import_rejected problems=%d", len(problems))
        raise CatalogueImportError(problems)
    new_versions = 0
    with transaction.atomic():
        for procedure, _created in planned:
            before = procedure.versions.count() if procedure.pk else 0
            procedure.save()
            new_versions += procedure.versions.count() - before
    result = ImportResult(created=sum(c for _p, c in planned), updated=sum(not c for _p, c in planned),
                          new_versions=new_versions)
    logger.info("catalogue_imported created=%d updated=%d versions=%d", result.created, result.updated, new_versions)
    return result


def catalogue_export(*, path: Path) -> int:
    procedures = []
    for procedure in Procedure.objects.select_related("organisation"):
        item = procedure.definition()
        item["position"] = procedure.position
        item["active"] = procedure.active
        procedures.append(item)
    text = json.dumps({"format": FORMAT, "version": VERSION, "procedures": procedures},
                      ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
    return len(procedures)
