"""The e-mail channel through a real SMTP conversation with aiosmtpd on 127.0.0.1."""

from datetime import datetime, timedelta, timezone
import email
from email import policy
import ipaddress
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pypdfium2
import pytest

from hikkoshi.delivery import channels, smtp
from hikkoshi.delivery.channels.base import DeliveryError, Outgoing
from hikkoshi.delivery.channels.email import EmailChannel
from hikkoshi.documents.samples import sample_move
from hikkoshi.serving import free_port

from .conftest import smtp_on_local_port

KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
TO = "kinenju@park.example.jp"


def outgoing(*, to: str | None = TO, attempt: int = 1, key: str = KEY) -> Outgoing:
    record = sample_move()
    entry = next(p for p in record.procedures if p.slug == "sapporo-sapling")
    return Outgoing(
        delivery_id=7,
        idempotency_key=key,
        attempt=attempt,
        procedure=entry.slug,
        organisation="sapporo-park",
        organisation_name="札幌市公園緑化協会",
        settings={"to": to} if to is not None else {},
        record=record,
        entry=entry,
        application={},
    )


class Recorder:
    """An aiosmtpd handler that keeps what arrives; ``replies`` are answered to DATA first."""

    def __init__(self, replies=(), rcpt_reply=None):
        self.replies = list(replies)
        self.rcpt_reply = rcpt_reply
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.envelopes.append(envelope)
        return "250 2.0.0 OK"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp_server(settings):
    started = []

    def start(handler, **kwargs):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        started.append(controller)
        smtp_on_local_port(settings, port, **{"from": "hikkoshi 引越し <noreply@hikkoshi.example>"})
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.mark.slow
def test_mail_arrives_with_japanese_subject_body_and_pdf(smtp_server):
    handler = Recorder()
    smtp_server(handler)
    outcome = channels.get("email").send(outgoing())

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == [TO]
    assert envelope.mail_from == "noreply@hikkoshi.example"
    head = envelope.content.split(b"\r\n\r\n", 1)[0]
    assert head.isascii()  # UTF-8 only as RFC 2047 encoded words
    assert b"=?utf-8?" in head.lower()
    [msg] = handler.messages()
    assert msg["Subject"] == "【引越し申請】記念樹（苗木）の申込み（申請ID 5b0e7c4e-3c1a-4f0e-9d8b-2a6f1c9e7d30）"
    assert msg["From"].addresses[0].display_name == "hikkoshi 引越し"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == outcome.message_id == f"<{KEY}@hikkoshi.example>"

    text = msg.get_body(preferencelist=("plain",)).get_content()
    for expected in (
        "札幌市公園緑化協会 御中",
        "札幌 太郎",
        "サッポロ タロウ",
        "令和7年3月28日",
        "記念樹（苗木）の申込み",
        "・希望する苗木: 姫ライラック",
        "http://",
        "hikkoshi moving portal",
    ):
        assert expected in text
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "application-sapporo-sapling.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert "申込書" in document[0].get_textpage().get_text_range()
    finally:
        document.close()


@pytest.mark.slow
def test_message_id_is_the_same_on_every_attempt(smtp_server):
    handler = Recorder()
    smtp_server(handler)
    first = channels.get("email").send(outgoing(attempt=1))
    second = channels.get("email").send(outgoing(attempt=2))
    assert first.message_id == second.message_id
    assert [m["Message-ID"] for m in handler.messages()] == [first.message_id] * 2
    other = channels.get("email").send(outgoing(key="11111111-2222-3333-4444-555555555555"))
    assert other.message_id != first.message_id


@pytest.mark.slow
def test_4xx_is_retryable_then_250_delivers(smtp_server):
    handler = Recorder(replies=["451 4.3.0 Try again later"])
    smtp_server(handler)
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing(attempt=1))
    assert failed.value.retryable and failed.value.code == "smtp_451"
    assert "Try again later" in failed.value.detail
    outcome = channels.get("email").send(outgoing(attempt=2))
    [msg] = handler.messages()
    assert msg["Message-ID"] == outcome.message_id


@pytest.mark.slow
def test_5xx_is_final(smtp_server):
    smtp_server(Recorder(rcpt_reply=f"550 5.1.1 <{TO}>: no such user"))
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert not failed.value.retryable and failed.value.code == "smtp_550"
    assert TO not in failed.value.detail  # addresses are masked in what staff see

    smtp_server(Recorder(replies=["554 5.6.0 Message rejected"]))
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert not failed.value.retryable and failed.value.code == "smtp_554"


@pytest.mark.slow
def test_4xx_rcpt_is_retryable(smtp_server):
    smtp_server(Recorder(rcpt_reply="450 4.2.1 Mailbox busy"))
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert failed.value.retryable and failed.value.code == "smtp_450"


def test_server_not_listening_is_retryable(settings):
    settings.HIKKOSHI_SMTP = {
        **settings.HIKKOSHI_SMTP,
        "host": "127.0.0.1",
        "port": free_port(),
        "starttls": False,
        "user": "",
        "timeout": 5,
    }
    with pytest.raises(DeliveryError) as failed:
        EmailChannel().send(outgoing())
    assert failed.value.retryable and failed.value.code == "connection_refused"


def test_no_recipient_is_final_not_configured():
    with pytest.raises(DeliveryError) as failed:
        EmailChannel().send(outgoing(to=None))
    assert not failed.value.retryable and failed.value.code == "not_configured"


def test_registered_by_name():
    assert isinstance(channels.get("email"), EmailChannel)
    assert "email" in channels.names()


def test_message_id_for_is_a_valid_msg_id(settings):
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "from": "hikkoshi <portal@city.example.jp>"}
    assert smtp.message_id_for(KEY) == f"<{KEY}@city.example.jp>"
    assert smtp.message_id_for("a b<c>@d") == "<abcd@city.example.jp>"


# -- STARTTLS and AUTH ---------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hikkoshi test SMTP")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def authenticator(server, session, envelope, mechanism, auth_data):
    def text(value):
        return value.decode() if isinstance(value, bytes) else value

    ok = isinstance(auth_data, LoginPassword) and (text(auth_data.login), text(auth_data.password)) == (
        "portal",
        "s3cret",
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def tls_server(smtp_server, certificate, settings):
    cert_file, key_file = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler = Recorder()
    smtp_server(handler, tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True)
    settings.HIKKOSHI_SMTP = {
        **settings.HIKKOSHI_SMTP,
        "starttls": True,
        "cafile": str(cert_file),
        "user": "portal",
        "password": "s3cret",
    }
    return handler


@pytest.mark.slow
def test_starttls_and_auth(tls_server):
    outcome = channels.get("email").send(outgoing())
    [msg] = tls_server.messages()
    assert msg["Message-ID"] == outcome.message_id


@pytest.mark.slow
def test_wrong_password_is_final(tls_server, settings):
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "password": "wrong"}
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert not failed.value.retryable and failed.value.code == "smtp_535"
    assert not tls_server.envelopes


@pytest.mark.slow
def test_untrusted_certificate_is_final(tls_server, settings):
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "cafile": ""}
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert not failed.value.retryable and failed.value.code == "smtp_tls_verify"


@pytest.mark.slow
def test_server_that_requires_starttls_refuses_plain_mail(tls_server, settings):
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "starttls": False, "user": ""}
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert not failed.value.retryable and failed.value.code == "smtp_530"


@pytest.mark.slow
def test_starttls_not_offered_is_final(smtp_server, settings):
    smtp_server(Recorder())
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "starttls": True}
    with pytest.raises(DeliveryError) as failed:
        channels.get("email").send(outgoing())
    assert not failed.value.retryable and failed.value.code == "smtp_not_supported"
