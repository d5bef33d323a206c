"""The catalogue indexed by area (issue 16): the same procedures as a scan of every procedure,
and a change seen by every process once the revision changes."""

import json
import os
from pathlib import Path
import random
import subprocess
import sys
import time

from django.db import connection
from django.db.models import Prefetch
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from hikkoshi.bench.nationwide import (
    covered_municipalities,
    distinct_postcodes,
    synthetic_catalogue,
    synthetic_directory,
)
from hikkoshi.catalogue.constants import Condition
from hikkoshi.catalogue.models import Procedure, ProcedureVersion
from hikkoshi.catalogue.selectors import _ends, applicable_procedures, catalogue_index
from hikkoshi.catalogue.services import catalogue_import
from hikkoshi.directory import selectors as directory_selectors
from hikkoshi.directory.selectors import organisations_for_place
from hikkoshi.directory.transfer import directory_import
from hikkoshi.places.move_kind import assess_move
from hikkoshi.places.postcodes import lookup
from hikkoshi.places.regions import Region, get_region

PACKAGE = Path(__file__).resolve().parents[2]


def scan(*, assessment, old, new) -> list[tuple]:
    """What ``applicable_procedures`` answered before the index: every active procedure and
    every version, each checked against ``organisations_for_place`` (the reference)."""

    # Inside the test's transaction the directory's snapshot is never kept (directory_snapshot), so
    # each call would load the whole directory again: ask once per place.
    found: dict[tuple, list] = {}

    def serves(organisation_id, place):
        key = (place.municipality_code, place.postcode)
        if key not in found:
            found[key] = organisations_for_place(municipality_code=place.municipality_code, postcode=place.postcode)
        return any(m.organisation.pk == organisation_id and not m.partial for m in found[key])

    result = []
    newest_first = Prefetch("versions", queryset=ProcedureVersion.objects.order_by("-number"))
    for procedure in Procedure.objects.filter(active=True).prefetch_related(newest_first):
        conditions = set(procedure.conditions)
        if Condition.DESTINATION_IN_REGION in conditions and not assessment.new_in_region:
            continue
        kinds = tuple(
            kind
            for kind in assessment.kinds
            if kind in procedure.move_kinds
            and any(serves(procedure.organisation_id, p) for p in _ends(kind, old, new, procedure.end))
        )
        if kinds:
            version = procedure.versions.all()[0]
            result.append(
                (
                    procedure.slug,
                    version.number,
                    tuple(str(k) for k in kinds),
                    procedure.required,
                    procedure.required or Condition.OPT_IN not in conditions,
                )
            )
    return result


def indexed(*, assessment, old, new) -> list[tuple]:
    return [
        (a.slug, a.version.number, tuple(str(k) for k in a.kinds), a.required, a.preselected)
        for a in applicable_procedures(assessment=assessment, old=old, new=new)
    ]


def both(old_code: str, new_code: str, region=None) -> tuple[list, list]:
    old, new = lookup(old_code), lookup(new_code)
    assert old is not None and new is not None
    assessment = assess_move(old.municipality_code, new.municipality_code, region)
    return indexed(assessment=assessment, old=old, new=new), scan(assessment=assessment, old=old, new=new)


SAPPORO_SCENARIOS = [
    ("0600042", "0010024"),  # 転居 中央区 → 北区
    ("1000001", "0600042"),  # 転入 from 千代田区
    ("0600042", "5300001"),  # 転出 to 大阪市北区
    ("0600042", "0600001"),  # within 中央区
    ("0010024", "0010010"),  # within 北区
    ("5300001", "0010024"),  # 転入 from Osaka
    ("0600042", "9000001"),  # 転出 to 那覇市 (nobody of Okinawa in the directory)
]


@pytest.mark.parametrize("old_code, new_code", SAPPORO_SCENARIOS)
def test_every_sapporo_scenario_gets_what_the_scan_gives(sapporo, old_code, new_code):
    found, expected = both(old_code, new_code)
    assert found == expected and found  # the same procedures, versions, kinds, order and flags


def test_a_postcode_range_a_new_version_and_a_deactivated_procedure_are_followed(sapporo):
    from hikkoshi.directory.models import ServiceArea
    from hikkoshi.directory.signals import bump_revision

    ServiceArea.objects.filter(organisation__slug="hokkaido-gas").update(postcode_from="0600000", postcode_to="0609999")
    bump_revision()
    for old_code, new_code in SAPPORO_SCENARIOS:
        assert both(old_code, new_code)[0] == both(old_code, new_code)[1]
    tax = Procedure.objects.get(slug="sapporo-property-tax")
    tax.name = tax.name + "（改）"
    tax.save()  # a new version: offered from now on
    found, expected = both("0600042", "0010024")
    assert found == expected and {s: v for s, v, *_ in found}["sapporo-property-tax"] == 2
    tax.active = False
    tax.save()
    found, expected = both("0600042", "0010024")
    assert found == expected and "sapporo-property-tax" not in {s for s, *_ in found}


@pytest.fixture
def nationwide(sapporo, tmp_path):
    """The shipped data and a small synthetic nationwide directory and catalogue beside it."""
    covered = covered_municipalities(sorted((PACKAGE / "directory" / "data").glob("*.json")))
    directory = synthetic_directory(2_400, covered=covered)
    # Procedures of offices, prefecture-wide and postal-code-ranged organisations alike.
    random.Random(16).shuffle(directory["organisations"])
    catalogue = synthetic_catalogue(directory, 500, PACKAGE / "catalogue" / "data" / "sapporo.json")
    directory["organisations"].sort(key=lambda o: o["slug"])
    for i, entry in enumerate(catalogue["procedures"]):  # every end and condition
        if not entry.get("required"):
            entry["conditions"] = [[], ["opt_in"], ["destination_in_region"], ["opt_in", "destination_in_region"]][
                i % 4
            ]
        entry["end"] = ["", "old", "new"][i % 3] if not entry.get("required") else ""
        if entry["end"]:
            entry["move_kinds"] = ["move_out", "relocation"] if entry["end"] == "old" else ["move_in", "relocation"]
    (tmp_path / "d.json").write_text(json.dumps(directory, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    directory_import(path=tmp_path / "d.json")
    catalogue_import(path=tmp_path / "c.json")


POSTCODES = distinct_postcodes(300, seed=1616) + [code for pair in SAPPORO_SCENARIOS for code in pair]
# This portal's region, the others known, and a national operator's (every prefecture).
JAPAN = Region("japan", "Japan", tuple(f"{n:02d}" for n in range(1, 48)))
REGIONS = [get_region("sapporo"), get_region("kanto"), get_region("kansai"), JAPAN]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old_code=st.sampled_from(POSTCODES), new_code=st.sampled_from(POSTCODES), region=st.sampled_from(REGIONS))
def test_random_pairs_of_places_get_what_the_scan_gives(nationwide, old_code, new_code, region):
    found, expected = both(old_code, new_code, region)
    assert found == expected


def test_the_nationwide_fixture_finds_procedures_all_over_japan(nationwide):
    # The property above compares answers with something in them, not empty lists.
    answered = [bool(both(a, b, JAPAN)[0]) for a, b in zip(POSTCODES[:30], POSTCODES[30:60])]
    assert sum(answered) >= 10  # 15 of these 30 with this seed and data


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request: the index is kept
def test_the_index_is_built_once_per_revision_and_holds_no_model_objects(sapporo, django_assert_num_queries):
    directory_selectors.forget_snapshots()
    index = catalogue_index()
    assert catalogue_index() is index
    assert all(type(entry.pk) is int and type(entry.version_id) is int for entry in index.entries)
    # A request: the revision is fresh, so only the procedures and versions that apply are read.
    old, new = lookup("0600042"), lookup("0010024")
    assessment = assess_move(old.municipality_code, new.municipality_code)
    with django_assert_num_queries(2):
        applicable_procedures(assessment=assessment, old=old, new=new)
    Procedure.objects.filter(slug="sapporo-property-tax").update(active=False)  # no signal
    assert catalogue_index() is index  # nothing says so yet
    from hikkoshi.directory.signals import bump_revision

    bump_revision()
    assert catalogue_index() is not index
    assert "sapporo-property-tax" not in {s for s, *_ in both("0600042", "0010024")[0]}


@pytest.mark.django_db(transaction=True)
def test_an_import_that_changes_nothing_keeps_the_index(sapporo):
    directory_selectors.forget_snapshots()
    index = catalogue_index()
    catalogue_import(path=PACKAGE / "catalogue" / "data" / "sapporo.json")
    assert catalogue_index() is index


READER = """
import json, sys
import django
django.setup()
from hikkoshi.catalogue.selectors import applicable_procedures
from hikkoshi.places.move_kind import assess_move
from hikkoshi.places.postcodes import lookup
for line in sys.stdin:
    old, new = (lookup(code) for code in line.split())
    a = assess_move(old.municipality_code, new.municipality_code)
    print(json.dumps([p.slug for p in applicable_procedures(assessment=a, old=old, new=new)]), flush=True)
"""


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_change_is_seen_by_another_process_once_the_revision_changes(tmp_path):
    """Another process keeps its index between requests and takes up the change: the admin
    deactivates a procedure and edits another here; the reader is a separate process."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:", ":memory:")):
        pytest.skip("the test database is in memory: no other process can see it")
    for name in ("sapporo", "tokyo", "osaka"):
        directory_import(path=PACKAGE / "directory" / "data" / f"{name}.json")
    catalogue_import(path=PACKAGE / "catalogue" / "data" / "sapporo.json")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="hikkoshi.settings.test", DATABASE_URL=_database_url())
    reader = subprocess.Popen(
        [sys.executable, "-c", READER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:

        def ask():
            reader.stdin.write("0600042 0010024\n")
            reader.stdin.flush()
            return json.loads(reader.stdout.readline())

        before = ask()
        assert before == ask() and "sapporo-property-tax" in before and "hokkaido-shimbun-subscription" in before
        tax = Procedure.objects.get(slug="sapporo-property-tax")
        tax.active = False
        tax.save()
        time.sleep(directory_selectors.CHECK_INTERVAL + 0.2)
        after = ask()
        assert after == [slug for slug in before if slug != "sapporo-property-tax"]
        # A bulk import (no signals) is seen too: the import renews the revision once (the
        # file has the 固定資産税 procedure active again, and the newspaper's not).
        document = json.loads((PACKAGE / "catalogue" / "data" / "sapporo.json").read_text(encoding="utf-8"))
        for entry in document["procedures"]:
            if entry["slug"] == "hokkaido-shimbun-subscription":
                entry["active"] = False
        (tmp_path / "c.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        catalogue_import(path=tmp_path / "c.json")
        time.sleep(directory_selectors.CHECK_INTERVAL + 0.2)
        assert ask() == [slug for slug in before if slug != "hokkaido-shimbun-subscription"]
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
