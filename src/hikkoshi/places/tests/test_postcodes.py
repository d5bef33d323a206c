from concurrent.futures import ThreadPoolExecutor
import multiprocessing

import pytest

from hikkoshi.places.normalise import InvalidPostcode
from hikkoshi.places.postcodes import lookup


def test_sapporo_postcode():
    place = lookup("〒060-0042")
    assert place.prefecture == "北海道"
    assert place.municipality == "札幌市中央区"
    assert place.municipality_code == "01101"
    assert place.lg_code == "011011"
    assert place.town == "大通西"
    assert place.town_kana == "オオドオリニシ"
    assert place.city.name == "札幌市"
    assert place.city.code == "01100"
    assert place.registration_code == "01100"
    assert place.formatted_postcode == "060-0042"


def test_special_ward_of_tokyo_is_its_own_municipality():
    place = lookup("100-0001")
    assert place.municipality == "千代田区"
    assert place.municipality_code == "13101"
    assert place.lg_code == "131016"
    assert place.city is None
    assert place.registration_code == "13101"


def test_large_office_postcode():
    # 札幌市役所's own postal code (事業所個別番号).
    place = lookup("060-8611")
    assert place.office_name == "札幌市役所"
    assert place.municipality_code == "01101"
    assert place.street == "2丁目"


def test_unknown_and_malformed():
    assert lookup("000-0000") is None
    with pytest.raises(InvalidPostcode):
        lookup("060-00")


def test_postcode_with_several_towns():
    # A code shared by several towns lists them all; the first is the town.
    place = lookup("0660000")
    assert place.municipality_code
    assert len(place.towns) >= 1


SAMPLE = ["0600042", "0010024", "0628612", "1000001", "5300001", "1600022", "0040041", "0000000"]


def _lookup_many(n):
    return [getattr(lookup(SAMPLE[i % len(SAMPLE)]), "municipality_code", None) for i in range(n)]


def test_many_threads_at_once():
    expected = _lookup_many(len(SAMPLE))
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _i: _lookup_many(len(SAMPLE)), range(64)))
    assert all(r == expected for r in results)
    assert expected[-1] is None and expected[0] == "01101"


def test_several_processes():
    expected = _lookup_many(40)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.map(_lookup_many, [40, 40, 40])
    assert all(r == expected for r in results)


def test_each_threads_postal_connection_has_a_small_page_cache(monkeypatch):
    """Issue 16: each thread's connection caches at most HIKKOSHI_SQLITE_CACHE_KB (256 KB by
    default, SQLite's own default being 2 MB); the operating system caches the file itself."""
    from hikkoshi.places.postaldb import postal_db

    def cache_size() -> int:
        with postal_db() as cursor:
            return cursor.execute("PRAGMA cache_size").fetchone()[0]

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(cache_size).result() == -256
    monkeypatch.setenv("HIKKOSHI_SQLITE_CACHE_KB", "64")
    with ThreadPoolExecutor(1) as pool:  # a new thread, so a new connection
        assert pool.submit(cache_size).result() == -64
    monkeypatch.setenv("HIKKOSHI_SQLITE_CACHE_KB", "none")
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(cache_size).result() == -256


def test_places_looked_up_are_remembered_within_a_bound():
    from hikkoshi.places import postcodes

    postcodes._place.cache_clear()
    first = lookup("060-0042")
    assert lookup("〒０６０ー００４２") is first  # one read for the same code however typed
    assert lookup("0000000") is None and lookup("000-0000") is None
    info = postcodes._place.cache_info()
    assert (info.hits, info.misses) == (2, 2)
    assert info.maxsize == postcodes.PLACES_REMEMBERED <= 1024
    with pytest.raises(InvalidPostcode):
        lookup("060-004")
