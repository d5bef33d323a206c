"""The buffer: counts added without the database, written in batches, kept when the write fails."""

from datetime import timedelta

from django.db import connection
from django.test import Client
import pytest

from hikkoshi.stats import counting
from hikkoshi.stats.models import DailyCount, HourlyCount


@pytest.fixture
def count(django_capture_on_commit_callbacks):
    """``counting.count`` as outside a transaction (each test runs in one: its on-commit)."""

    def run(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            counting.count(*args, **kwargs)

    return run


def test_count_touches_no_database_and_flush_writes_daily_and_hourly_rows(count, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        for _ in range(3):
            count("search", category="gas", region="01101", source="local")
        count("search", category="gas", region="01101", source="partner")
    assert counting.pending() == 4
    counting.flush()
    assert counting.pending() == 0
    rows = {r.key: r.count for r in DailyCount.objects.filter(event="search")}
    assert rows == {
        "category=gas;region=01101;source=local": 3,
        "category=gas;region=01101;source=partner": 1,
    }
    assert DailyCount.objects.get(source="local").category == "gas"
    assert sum(HourlyCount.objects.values_list("count", flat=True)) == 4
    # A second write adds to the same rows.
    count("search", category="gas", region="01101", source="local")
    counting.flush()
    assert DailyCount.objects.get(source="local").count == 4


def test_values_that_are_not_codes_are_never_stored(count, db):
    count("search", category="札幌 太郎", region="taro@example.jp", kind="x" * 200, user=5)
    counting.flush()
    row = DailyCount.objects.get()
    assert (row.category, row.region, row.kind) == ("?", "?", "?")
    assert "user" not in row.key and "5" not in row.key


def test_remembered_dimension_sets_are_cleaned_alike(monkeypatch):
    """The memo of cleaned sets answers what cleaning answers, whether remembered or not, and
    stays bounded; a value that cannot be remembered (unhashable) is still cleaned."""
    monkeypatch.setattr(counting, "_CLEANED", {})
    monkeypatch.setattr(counting, "_CLEANED_MAX", 2)
    dims = {"region": "01101", "category": "札幌 太郎", "user": 5}
    first = counting.clean_dims(dims)
    assert first == (("category", "?"), ("region", "01101"))
    assert counting.clean_dims(dict(dims)) == first  # remembered
    assert counting.clean_dims({"kind": "a"}) == (("kind", "a"),)
    assert counting.clean_dims({"kind": "b"}) == (("kind", "b"),)
    assert len(counting._CLEANED) <= 2
    assert counting.clean_dims({"kind": ["a", "b"]}) == (("kind", "?"),)


def test_the_hour_follows_the_clock(monkeypatch):
    """Counts go to the local hour of the moment they are made, across an hour's end."""
    from datetime import UTC, datetime

    from django.utils import timezone

    now = datetime(2026, 12, 3, 14, 59, 59, tzinfo=UTC)
    monkeypatch.setattr(counting, "_hour", counting._Hour(clock=lambda: now.timestamp()))
    assert counting._hour.now() == timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    before = counting._hour.now()
    now = datetime(2026, 12, 3, 15, 0, 0, tzinfo=UTC)
    after = counting._hour.now()
    assert after - before == timedelta(hours=1)
    assert after == timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    assert after.tzinfo is not None and after.utcoffset() == timezone.localtime(now).utcoffset()
    now = datetime(2026, 12, 3, 15, 59, 59, 999999, tzinfo=UTC)
    assert counting._hour.now() == after  # the last instant of the hour
    now = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)  # the clock set back: the hour before again
    assert counting._hour.now() == before


def test_the_hour_of_a_time_zone_off_the_hour(monkeypatch, settings):
    """Where the local hour does not start on UTC's (Nepal, +05:45), a count belongs to the local
    hour all the same."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "Asia/Kathmandu"
    now = datetime(2026, 12, 3, 14, 14, 59, tzinfo=UTC)  # 19:59:59 there
    monkeypatch.setattr(counting, "_hour", counting._Hour(clock=lambda: now.timestamp()))
    assert counting._hour.now() == datetime(2026, 12, 3, 19, 0, tzinfo=ZoneInfo("Asia/Kathmandu"))
    now = datetime(2026, 12, 3, 14, 15, tzinfo=UTC)  # 20:00
    assert counting._hour.now() == datetime(2026, 12, 3, 20, 0, tzinfo=ZoneInfo("Asia/Kathmandu"))


def test_counting_off(db, settings):
    settings.HIKKOSHI_STATS = False
    counting.count("visit")
    assert counting.pending() == 0


def test_count_never_raises(db, monkeypatch):
    monkeypatch.setattr(counting, "clean_dims", lambda dims: 1 / 0)
    counting.count("visit", kind="x")  # no exception


def test_a_full_buffer_drops_and_counts_what_it_dropped(count, db, monkeypatch):
    monkeypatch.setattr(counting, "MAX_KEYS", 2)
    for region in ("01101", "01102", "01103", "01104"):
        count("search", region=region)
    counting.flush()
    assert DailyCount.objects.filter(event="search").count() == 2
    assert DailyCount.objects.get(event=counting.DROPPED).count == 2


@pytest.mark.django_db(transaction=True)
def test_a_missing_table_keeps_the_counts_and_the_page_still_answers(monkeypatch):
    counting.count("search", region="01101")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE stats_dailycount RENAME TO stats_dailycount_away")
    try:
        response = Client().get("/")
        assert response.status_code == 200  # the page, counted as a visit, answers all the same
        assert counting.flush() == 0  # the table is missing: nothing written …
        assert counting.pending() == 2  # … and nothing lost (the search and the visit)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE stats_dailycount_away RENAME TO stats_dailycount")
    assert counting.flush() > 0
    assert counting.pending() == 0
    assert DailyCount.objects.get(event="search").count == 1
    assert DailyCount.objects.get(event="visit").count == 1
    assert HourlyCount.objects.filter(event="search").get().count == 1  # once, not twice


def test_a_locked_table_keeps_the_counts(count, db, monkeypatch):
    from django.db import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    count("visit", kind="portal:home")
    monkeypatch.setattr(counting, "_upsert", locked)
    assert counting.flush() == 0 and counting.pending() == 1
    monkeypatch.undo()
    counting.flush()
    assert DailyCount.objects.get(event="visit").count == 1


def test_counts_of_a_rolled_back_transaction_are_not_kept(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                counting.count("move_submitted")
                raise RuntimeError
        except RuntimeError:
            pass
    assert counting.pending() == 0


def test_the_worker_job_writes_and_prunes_old_hours(count, db):
    from datetime import timedelta

    from django.utils import timezone

    HourlyCount.objects.create(hour=timezone.now() - timedelta(days=3), event="visit", key="", count=1)
    count("visit")
    assert counting.flush_job() == 2
    assert HourlyCount.objects.count() == 1
