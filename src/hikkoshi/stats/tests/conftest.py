import pytest

from hikkoshi.stats import counting


@pytest.fixture(autouse=True)
def _empty_buffer():
    """Each test starts and ends with nothing counted in this process."""
    counting.discard()
    yield
    counting.discard()


@pytest.fixture
def counted(django_capture_on_commit_callbacks):
    """Run a function, its on-commit callbacks (the counts of a transaction), then the write;
    returns ``{(event, key): count}`` of the daily rows."""
    from hikkoshi.stats.models import DailyCount

    def run(action=None):
        with django_capture_on_commit_callbacks(execute=True):
            if action is not None:
                action()
        counting.flush()
        return {(row.event, row.key): row.count for row in DailyCount.objects.all()}

    return run
