import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.delivery.sandbox.smtpsink import SmtpSink
from hikkoshi.moves.tests.conftest import mover  # noqa: F401
from hikkoshi.serving import free_port


def smtp_on_local_port(settings, port: int, **more) -> None:
    """The portal's mail sent to a test SMTP server on 127.0.0.1:``port``: plain, no sign-in."""
    settings.HIKKOSHI_SMTP = {
        **settings.HIKKOSHI_SMTP,
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "user": "",
        "password": "",
        "timeout": 5,
        **more,
    }


@pytest.fixture
def fax_mail_gateway(settings, tmp_path):
    """The fax sent through an e-mail-to-fax gateway that is a real SMTP server on 127.0.0.1 (the
    sink): what it received is in ``sink.store``."""
    port = free_port()
    smtp_on_local_port(settings, port)
    settings.HIKKOSHI_FAX = {**settings.HIKKOSHI_FAX, "gateway": "email", "email_address": "{number}@fax.example"}
    with SmtpSink(tmp_path / "sink", smtp_port=port, web_port=0) as running:
        yield running
