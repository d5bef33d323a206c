"""The catalogue import at scale: read up front, unchanged procedures skipped, bulk writes."""

from io import StringIO
import json

from django.core.management import call_command
import pytest

from hikkoshi.catalogue.models import Procedure, ProcedureVersion
from hikkoshi.catalogue.services import CatalogueImportError, catalogue_import

from .conftest import PACKAGE

SHIPPED = PACKAGE / "catalogue" / "data" / "sapporo.json"


def _many(n):
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    base = next(p for p in data["procedures"] if p["slug"] == "sapporo-water-start")
    data["procedures"] = [dict(base, slug=f"water-{i:04d}", name=f"水道の使用開始 {i}") for i in range(n)]
    return data


def _write(tmp_path, data, name="catalogue.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_large_import_takes_a_few_queries_and_an_unchanged_one_writes_nothing(
    sapporo, tmp_path, django_assert_max_num_queries
):
    data = _many(300)
    path = _write(tmp_path, data)
    with django_assert_max_num_queries(20):  # not one query (or several) per procedure
        result = catalogue_import(path=path)
    assert (result.created, result.new_versions) == (300, 300)
    assert ProcedureVersion.objects.filter(procedure__slug="water-0007").values_list("number", flat=True).get() == 1

    with django_assert_max_num_queries(4):  # the reads; nothing written
        result = catalogue_import(path=path)
    assert (result.created, result.updated, result.unchanged, result.new_versions) == (0, 300, 300, 0)

    data["procedures"][7]["name"] = "水道の使用開始（改）"
    result = catalogue_import(path=_write(tmp_path, data))
    assert (result.unchanged, result.new_versions) == (299, 1)
    versions = ProcedureVersion.objects.filter(procedure__slug="water-0007").order_by("number")
    assert [(v.number, v.definition["name"]) for v in versions] == [
        (1, "水道の使用開始 7"),
        (2, "水道の使用開始（改）"),
    ]
    assert Procedure.objects.get(slug="water-0007").name == "水道の使用開始（改）"


def test_a_large_import_is_still_all_or_nothing(sapporo, tmp_path):
    data = _many(50)
    data["procedures"][40]["channel"] = "pigeon"
    with pytest.raises(CatalogueImportError) as caught:
        catalogue_import(path=_write(tmp_path, data))
    assert [p for p, _m in caught.value.problems] == ["procedures[40].channel"]
    assert not Procedure.objects.filter(slug__startswith="water-").exists()


def test_a_duplicate_of_a_stored_procedure_in_the_file_is_reported_not_skipped(sapporo, tmp_path):
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    data["procedures"].append(dict(data["procedures"][0]))
    with pytest.raises(CatalogueImportError) as caught:
        catalogue_import(path=_write(tmp_path, data))
    assert any(p == f"procedures[{len(data['procedures']) - 1}].slug" for p, _m in caught.value.problems)


class _Terminal(StringIO):
    def isatty(self):
        return True


def test_the_command_shows_progress_on_a_terminal(sapporo, tmp_path):
    stderr = _Terminal()
    call_command("catalogue", "import", str(_write(tmp_path, _many(600))), stdout=StringIO(), stderr=stderr)
    assert "checking  [" in stderr.getvalue() and "writing   [" in stderr.getvalue()
