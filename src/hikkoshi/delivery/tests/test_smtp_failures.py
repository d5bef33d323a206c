"""``smtp.send_message`` against SMTP servers that misbehave, on 127.0.0.1: each failure is a
``DeliveryError`` that says whether another try can help (メール送信の失敗)."""

from email.message import EmailMessage
import email.utils
import socket
import threading

from aiosmtpd.controller import Controller
import pytest

from hikkoshi.delivery import smtp
from hikkoshi.delivery.channels.base import DeliveryError
from hikkoshi.serving import free_port

from .test_email_channel import Recorder

pytestmark = pytest.mark.slow  # SMTP servers in threads

FROM = "hikkoshi 引越し <noreply@hikkoshi.example>"


class Scripted:
    """A TCP server on 127.0.0.1 that plays ``script(conn)`` to each connection: an SMTP server
    as broken as a test needs."""

    def __init__(self, script):
        self.script = script
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._play, args=(conn,), daemon=True).start()

    def _play(self, conn):
        try:
            self.script(conn)
        except OSError:
            pass

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()


def lines(conn):
    """The client's lines, one at a time (None when it hung up)."""
    buffer = b""
    while True:
        while b"\r\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                yield None
                return
            buffer += chunk
        line, buffer = buffer.split(b"\r\n", 1)
        yield line


def ehlo_then(extensions, after):
    """A script: greet, answer EHLO with ``extensions``, then ``after(conn, next_line)``."""

    def script(conn):
        read = lines(conn)
        conn.sendall(b"220 test ESMTP\r\n")
        next(read)  # EHLO
        reply = [b"250-test"] + [b"250-" + e for e in extensions[:-1]] + [b"250 " + (extensions or [b"OK"])[-1]]
        conn.sendall(b"\r\n".join(reply) + b"\r\n")
        after(conn, lambda: next(read))

    return script


@pytest.fixture
def server(settings):
    started = []

    def start(script, **smtp_settings):
        s = Scripted(script)
        started.append(s)
        settings.HIKKOSHI_SMTP = {"host": "127.0.0.1", "port": s.port, "from": FROM, "timeout": 2, **smtp_settings}
        return s

    yield start
    for s in started:
        s.close()


def message(to="kinenju@park.example.jp"):
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = "申請"
    msg.set_content("本文")
    return msg


def failure(msg=None) -> DeliveryError:
    with pytest.raises(DeliveryError) as failed:
        smtp.send_message(msg or message())
    return failed.value


def test_a_message_without_from_date_or_message_id_gets_them(settings):
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.HIKKOSHI_SMTP = {"host": "127.0.0.1", "port": controller.port, "from": FROM, "timeout": 5}
        message_id = smtp.send_message(message())
    finally:
        controller.stop()
    [received] = handler.messages()
    assert received["Message-ID"] == message_id and message_id.endswith("@hikkoshi.example>")
    assert email.utils.parseaddr(received["From"])[1] == "noreply@hikkoshi.example"
    assert email.utils.parsedate_to_datetime(received["Date"]) is not None


def test_one_recipient_of_two_refused_for_good_is_final(settings):
    class RefusesOne(Recorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("gone@"):
                return "550 5.1.1 <gone@park.example.jp>: no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    handler = RefusesOne()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.HIKKOSHI_SMTP = {"host": "127.0.0.1", "port": controller.port, "from": FROM, "timeout": 5}
        error = failure(message(to="kinenju@park.example.jp, gone@park.example.jp"))
    finally:
        controller.stop()
    assert error.code == "smtp_550" and not error.retryable
    assert "gone@" not in error.detail  # an address is personal data: masked for staff
    assert [e.rcpt_tos for e in handler.envelopes] == [["kinenju@park.example.jp"]]


def test_a_server_that_takes_no_connection_is_a_timeout_to_try_again(settings):
    # A listening socket whose accept queue is full: the next connection waits unanswered.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(0)
        port = busy.getsockname()[1]
        queued = []
        for _ in range(64):  # fill the queue until a connection waits
            client = socket.socket()
            queued.append(client)
            client.settimeout(0.3)
            try:
                client.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        else:
            raise AssertionError("the accept queue never filled")
        try:
            settings.HIKKOSHI_SMTP = {"host": "127.0.0.1", "port": port, "from": FROM, "timeout": 0.5}
            error = failure()
        finally:
            for client in queued:
                client.close()
    assert error.code == "timeout" and error.retryable
    assert error.detail == f"no answer from 127.0.0.1:{port}"


def test_a_server_that_never_greets_is_retryable(server):
    server(lambda conn: threading.Event().wait(10), timeout=0.5)
    error = failure()
    assert error.code == "smtp_disconnected" and error.retryable  # smtplib: no reply is a hang-up


def test_a_server_hanging_up_after_its_greeting_is_retryable(server):
    def script(conn):
        conn.sendall(b"220 test ESMTP\r\n")
        conn.close()

    server(script)
    error = failure()
    assert error.code == "smtp_disconnected" and error.retryable


def test_a_broken_tls_handshake_is_retryable(server):
    def after(conn, read):
        read()  # STARTTLS
        conn.sendall(b"220 go ahead\r\n")
        conn.recv(4096)  # the client's hello
        conn.sendall(b"this is not TLS at all\r\n" * 4)

    server(ehlo_then([b"STARTTLS"], after), starttls=True)
    error = failure()
    assert error.code == "smtp_tls" and error.retryable


def test_no_common_authentication_method_is_final(server):
    server(ehlo_then([b"AUTH GSSAPI"], lambda conn, read: read()), user="portal", password="s3cret")
    error = failure()
    assert error.code == "smtp_error" and not error.retryable
    assert "authentication" in error.detail.lower()


def test_an_address_that_cannot_be_connected_to_is_a_connection_error(settings):
    # A link-local IPv6 address without its interface: the system refuses it at once (EINVAL,
    # or no IPv6 at all) — neither refused nor a timeout.
    settings.HIKKOSHI_SMTP = {"host": "fe80::1", "port": 25, "from": FROM, "timeout": 2}
    error = failure()
    assert error.code == "connection_error" and error.retryable
    assert error.detail.startswith("fe80::1:25: ")
