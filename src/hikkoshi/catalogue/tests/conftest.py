from pathlib import Path

import pytest

from hikkoshi.catalogue.services import catalogue_import
from hikkoshi.directory.transfer import directory_import

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.fixture
def sapporo(db):
    """The shipped directory and Sapporo catalogue, as the demo has them."""
    for name in ("sapporo", "tokyo", "osaka"):
        directory_import(path=PACKAGE / "directory" / "data" / f"{name}.json")
    catalogue_import(path=PACKAGE / "catalogue" / "data" / "sapporo.json")
