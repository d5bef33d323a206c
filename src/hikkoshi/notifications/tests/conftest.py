from hikkoshi.assisted.tests.conftest import world  # noqa: F401
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.delivery.tests.test_email_channel import Recorder, smtp_server  # noqa: F401
from hikkoshi.moves.tests.conftest import mover  # noqa: F401
