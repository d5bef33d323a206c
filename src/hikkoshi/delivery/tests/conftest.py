from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.moves.tests.conftest import mover  # noqa: F401
