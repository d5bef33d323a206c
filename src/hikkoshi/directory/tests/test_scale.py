"""The directory at nationwide size: bounded memos, the office index, loading by id."""

import random

from django.test import override_settings
import pytest

from hikkoshi.conftest import make_organisation
from hikkoshi.directory.constants import Category
from hikkoshi.directory.memo import BoundedMemo
from hikkoshi.directory.models import Organisation, ServiceArea
from hikkoshi.directory.schemas import rendered_matches
from hikkoshi.directory.selectors import (
    directory_snapshot,
    match_ids,
    office_ids_in,
    office_search,
    organisations_by_id,
    organisations_for_place,
)
from hikkoshi.places.municipalities import all_municipalities, municipality_code as registration_code_of


def test_bounded_memo_keeps_the_most_recently_used():
    memo = BoundedMemo(2)
    memo["a"], memo["b"] = 1, 2
    assert memo.get("a") == 1  # "a" is now the most recent
    memo["c"] = 3
    assert len(memo) == 2 and "b" not in memo and memo.get("a") == 1 and memo.get("c") == 3


def _naive(municipality_code, postcode, category):
    """The rule of ServiceArea.covers over every area, read from the database."""
    registration = registration_code_of(municipality_code)
    found = {}
    for area in ServiceArea.objects.select_related("organisation"):
        org = area.organisation
        if category and org.category != category:
            continue
        if area.postcode_from and not postcode:
            if area.area_code and (
                area.area_code in (municipality_code, registration)
                or (municipality_code.startswith(area.area_code) and len(area.area_code) == 2)
            ):
                found.setdefault(org.slug, True)
            continue
        if area.covers(municipality_code, registration, postcode):
            found[org.slug] = False
    order = {c: i for i, c in enumerate(Category.values)}
    return sorted(found.items(), key=lambda kv: (order[Organisation.objects.get(slug=kv[0]).category], kv[0]))


@pytest.fixture
def many_places(db):
    """Sixty municipalities, each with an office, a utility serving part of it, plus the
    prefecture-wide and nationwide ones."""
    rng = random.Random(16)
    chosen = rng.sample([m for m in all_municipalities() if m.code], 60)
    for n, m in enumerate(chosen):
        make_organisation(f"office-{n}", Category.CITY_OFFICE, f"{m.name}役所", [m.code])
        make_organisation(f"gas-{n}", Category.GAS, f"ガス{n}", [(m.code, "0000000", "4999999")])
    make_organisation("hokkaido-power", Category.ELECTRICITY, "電力", ["01"])
    make_organisation("post", Category.POST, "郵便", [("", "0000000", "9999999")])
    return chosen


@override_settings(HIKKOSHI_DIRECTORY_CACHE={"places": 5, "organisations": 7})
def test_memos_stay_within_their_bounds_and_answers_stay_right(many_places):
    snapshot = directory_snapshot()
    for m in many_places:
        for postcode in ("", "0600042", "5300001"):
            for category in (None, Category.GAS):
                ids = match_ids(municipality_code=m.code, postcode=postcode, category=category, snapshot=snapshot)
                got = [(Organisation.objects.get(pk=pk).slug, partial) for pk, partial in ids]
                assert got == _naive(m.code, postcode, category)
                text = rendered_matches(ids, snapshot)
                assert text.count('"category":') == len(ids)
    for memo in (snapshot.candidates, snapshot.results):
        assert len(memo) <= 5
    assert len(snapshot.instances) <= 7
    assert len(snapshot.rendered_organisations) <= 14


def test_the_index_holds_no_model_objects(many_places):
    snapshot = directory_snapshot()
    for areas in snapshot.areas_by_code.values():
        for area in areas:
            assert all(isinstance(part, (int, str)) for part in area)


def test_organisations_by_id_reads_missing_ones_in_bulk_with_contacts(directory, django_assert_max_num_queries):
    snapshot = directory_snapshot()
    ids = list(snapshot.sort_keys)
    with django_assert_max_num_queries(2):  # the organisations, then their contacts
        orgs = organisations_by_id(ids, snapshot=snapshot)
    assert set(orgs) == set(ids)
    assert [c.value for c in orgs[directory["city"].pk].contact_list] == ["011-211-2111"]
    with django_assert_max_num_queries(0):
        organisations_by_id(ids, snapshot=snapshot)


def test_a_deleted_organisation_is_left_out_not_an_error(directory):
    snapshot = directory_snapshot()
    Organisation.objects.filter(slug="chuo").delete()
    matches = organisations_for_place(municipality_code="01101", postcode="0600042", snapshot=snapshot)
    assert "chuo" not in [m.organisation.slug for m in matches]
    assert "city" in [m.organisation.slug for m in matches]


def _offices_naive(area_codes):
    result = []
    for org in Organisation.objects.filter(category__in=[Category.CITY_OFFICE, Category.WARD_OFFICE]):
        codes = set(org.areas.exclude(area_code="").values_list("area_code", flat=True))
        if any(c.startswith(a) or registration_code_of(c) == a for c in codes for a in area_codes):
            result.append(org.slug)
    order = {c: i for i, c in enumerate(Category.values)}
    return sorted(result, key=lambda s: (order[Organisation.objects.get(slug=s).category], s))


@pytest.mark.parametrize("areas", [("01100",), ("01",), ("13", "27"), ("01101", "13101"), ("47",)])
def test_office_index_gives_what_walking_every_area_gives(directory, many_places, areas):
    ids = office_ids_in(areas)
    assert [Organisation.objects.get(pk=pk).slug for pk in ids] == _offices_naive(areas)


def test_office_search_by_municipality_name_kana_and_width(directory):
    ids = office_search(("01100",), "中央区")  # the ward's office, and the city hall by its address
    assert [Organisation.objects.get(pk=pk).slug for pk in ids] == ["city", "chuo"]
    ids = office_search(("01100",), " 中央区 役所")
    assert [Organisation.objects.get(pk=pk).slug for pk in ids] == ["chuo"]
    # The prefecture and city named by Japan Post find every office there.
    assert len(office_search(("01100",), "北海道札幌市")) == 3
    Organisation.objects.filter(slug="kita").update(name_kana="キタクヤクショ")
    assert [Organisation.objects.get(pk=pk).slug for pk in office_search(("01100",), "きたく")] == ["kita"]
    assert [Organisation.objects.get(pk=pk).slug for pk in office_search(("01100",), "ｷﾀｸ")] == ["kita"]
    assert office_search(("01100",), "千代田") == ()  # not in the region


def test_a_new_index_is_four_queries_of_plain_values_however_large(many_places, django_assert_num_queries):
    """A directory change makes each process build a new index beside the old one: cheap, so
    search never stalls for it (the organisations are read later, by id, as places need them)."""
    from hikkoshi.directory.selectors import _load

    # Partner portals' copies, the partners asked live (federation), organisations, areas.
    with django_assert_num_queries(4):
        snapshot = _load(revision=1)
    assert len(snapshot.sort_keys) == Organisation.objects.count()
    assert len(snapshot.instances) == 0


def test_the_bounded_memo_is_safe_for_a_worker_s_threads():
    """Without its lock, a read's "move to the end" races another thread's eviction (KeyError):
    most runs of this test show it then."""
    import threading

    memo = BoundedMemo(50)
    failures = []

    def hammer(offset):
        try:
            for n in range(100_000):
                key = (n * 7 + offset) % 64
                memo[key] = n
                memo.get((key + 1) % 64)
        except Exception as exc:  # a race shows as KeyError from the ordered dict
            failures.append(exc)

    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, where a race would show
    try:
        threads = [threading.Thread(target=hammer, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == [] and len(memo) == 50
