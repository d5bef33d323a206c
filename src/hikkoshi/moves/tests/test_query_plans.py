"""The hot queries over years of moves and deliveries can use an index, never only a scan of
the table (read from the database's own plan: ``EXPLAIN``)."""

import pytest

from hikkoshi.bench.hot_queries import HOT_QUERIES, sequential_scans


@pytest.mark.parametrize("name", sorted(HOT_QUERIES()))
def test_hot_queries_use_an_index(db, name):
    assert sequential_scans(HOT_QUERIES()[name]) == []
