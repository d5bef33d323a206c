"""The helpers the delivery tests (and others) start real workers with: ``delivery.testing``."""

from pathlib import Path
import time

import pytest

from hikkoshi.delivery.testing import url_of, wait_until
from hikkoshi.settings.common import database


@pytest.mark.parametrize(
    "url",
    [
        "postgres://postgres@127.0.0.1:5432/test_hikkoshi",
        "postgres://portal:p%40ss%3Aw%2Frd@db.example.jp:6543/test_hikkoshi",
    ],
)
def test_a_postgresql_test_database_is_given_to_workers_by_the_url_it_came_from(url):
    # What the settings make of DATABASE_URL, turned back into one: the same database.
    assert url_of("postgresql", database(url, Path("unused"))) == url


def test_the_defaults_of_a_postgresql_database_are_spelt_out():
    assert url_of("postgresql", {"NAME": "test_hikkoshi"}) == "postgres://postgres@127.0.0.1:5432/test_hikkoshi"


def test_an_sqlite_test_database_is_given_by_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = url_of("sqlite", {"NAME": "test-db.sqlite3"})
    assert url == f"sqlite:///{tmp_path.resolve() / 'test-db.sqlite3'}"
    assert database(url, Path("unused"))["NAME"] == str(tmp_path.resolve() / "test-db.sqlite3")


def test_wait_until_returns_the_first_true_value():
    answers = iter([None, 0, [], "ready", "later"])
    assert wait_until(lambda: next(answers), timeout=5, every=0.01) == "ready"


def test_wait_until_says_what_did_not_happen_in_time():
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"^the receipt did not happen within 0.2 s$"):
        wait_until(lambda: False, timeout=0.2, every=0.05, what="the receipt")
    assert 0.2 <= time.monotonic() - started < 2
