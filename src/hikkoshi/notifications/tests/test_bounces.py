"""Bounces through the real path: the notification goes to the SMTP sink (aiosmtpd) with its VERP
envelope sender, the returned mail an MTA would write for that sender is piped into
``hikkoshi manage notification_bounce`` run as a process of its own, and the states follow."""

import email
from email import policy
import os
import subprocess
import sys
import time

from django.utils import timezone
import pytest

from hikkoshi.delivery.sandbox.smtpsink import MailStore, _Handler
from hikkoshi.delivery.testing import database_url
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation
from hikkoshi.notifications import bounces, services
from hikkoshi.notifications.models import BouncedAddress, Kind, Notification, Status

ADDRESS = "mover@example.jp"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sink(smtp_server, settings, tmp_path):
    """The demo's SMTP sink, the notifications' bounces returned to bounces+<token>@example.jp."""
    store = MailStore(tmp_path / "sink")
    smtp_server(_Handler(store))
    settings.HIKKOSHI_BOUNCE_ADDRESS = "bounces@example.jp"
    return store


def _mail_from(store: MailStore) -> str:
    [name] = store.names()
    msg = store.load(name)
    assert msg is not None
    return str(msg["X-Sink-Mail-From"])


def _dsn(envelope_sender: str, *, action: str, status: str, message_id: str) -> bytes:
    """A delivery-status report as Postfix writes it for a mail it could not deliver."""
    return (
        "Return-Path: <>\r\n"
        f"Delivered-To: {envelope_sender}\r\n"
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        f"To: {envelope_sender}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"\r\n'
        "\r\n"
        "--B0UND\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered to {ADDRESS}.\r\n"
        "\r\n"
        "--B0UND\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {ADDRESS}\r\n"
        f"Original-Recipient: rfc822;{ADDRESS}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{ADDRESS}>: Recipient address rejected\r\n"
        "\r\n"
        "--B0UND\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        f"Message-ID: {message_id}\r\n"
        f"To: {ADDRESS}\r\n"
        "\r\n"
        "--B0UND--\r\n"
    ).encode()


def _pipe(raw: bytes, tmp_path) -> subprocess.CompletedProcess[bytes]:
    """The command as the MTA runs it: a process of its own, the returned mail on its stdin."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hikkoshi.settings.dev",
        "DATABASE_URL": database_url(),
        "HIKKOSHI_DATA_DIR": str(tmp_path / "data"),
    }
    return subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", "manage", "notification_bounce"],
        input=raw,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


def _confirmation_sent(mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    note = Notification.objects.get(move=move, kind=Kind.CONFIRMATION)
    assert services.send(note.pk) == "sent"
    note.refresh_from_db()
    return move, note


def test_a_permanent_bounce_marks_the_mail_and_the_address_until_it_is_confirmed(
    sapporo, mover, sink, tmp_path, client, admin_client
):
    move, note = _confirmation_sent(mover)
    sender = _mail_from(sink)
    assert sender == f"bounces+{bounces.token_for(note.pk)}@example.jp"
    assert bounces.notification_id_of(sender) == note.pk

    done = _pipe(_dsn(sender, action="failed", status="5.1.1", message_id=note.message_id), tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert ADDRESS.encode() not in done.stdout + done.stderr  # never the address in the logs
    note.refresh_from_db()
    assert note.status == Status.BOUNCED and note.bounced_at and note.error_code == "dsn_5.1.1"
    assert ADDRESS not in note.error_detail
    assert BouncedAddress.objects.filter(digest=bounces.address_digest(ADDRESS)).exists()

    # Staff see it in the admin (filtered by status).
    page = admin_client.get("/admin/notifications/notification/?status=bounced").content.decode()
    assert f"/admin/notifications/notification/{note.pk}/" in page and "dsn_5.1.1" in page

    # A later notification goes to the inbox only.
    later = Notification.objects.get(move=move, kind=Kind.MOVING_DAY)
    assert services.send(later.pk, now=later.due_at) == "skipped: address bounced"
    assert len(sink.names()) == 1

    # The settings page says so, in Japanese and in English.
    client.force_login(mover)
    ja = client.get("/notifications/settings/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "メールアドレスにメールが届きません" in ja
    en = client.get("/notifications/settings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your e-mail address receives no mail" in en

    # The same report again changes nothing more; confirming the address clears the mark.
    assert _pipe(_dsn(sender, action="failed", status="5.1.1", message_id=""), tmp_path).returncode == 0
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_confirmed

    address, _ = EmailAddress.objects.get_or_create(user=mover, email=ADDRESS)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert not BouncedAddress.objects.exists()
    assert "メールアドレスにメールが届きません" not in client.get("/notifications/settings/").content.decode()


def test_a_transient_bounce_is_mailed_again_with_the_delivery_policy(sapporo, mover, sink, tmp_path):
    _move, note = _confirmation_sent(mover)
    sender = _mail_from(sink)
    done = _pipe(_dsn(sender, action="failed", status="4.4.7", message_id=note.message_id), tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    note.refresh_from_db()
    assert note.status == Status.RETRYING and note.due_at > timezone.now() and note.error_code == "dsn_4.4.7"
    assert not BouncedAddress.objects.exists()
    assert services.send(note.pk, now=note.due_at) == "sent"
    assert len(sink.names()) == 2


def test_a_mail_that_is_no_report_or_names_no_genuine_notification_is_kept(sapporo, mover, sink, tmp_path):
    _move, note = _confirmation_sent(mover)
    sender = _mail_from(sink)
    # A vacation reply, not a DSN: kept for the administrator, the command succeeds.
    reply = f"From: {ADDRESS}\r\nTo: {sender}\r\nSubject: Out of office\r\n\r\nI am away.\r\n".encode()
    done = _pipe(reply, tmp_path)
    assert done.returncode == 0 and done.stdout.decode().startswith("kept ")
    # A forged token (another notification's id, a made-up mac): kept, nothing changed.
    forged = sender.replace(f"+{note.pk}-", f"+{note.pk + 1}-")
    other = _dsn(forged.replace(bounces.token_for(note.pk).split("-")[1], "0" * 20), action="failed", status="5.1.1",
                 message_id="")  # fmt: skip
    assert _pipe(other, tmp_path).returncode == 0
    kept = sorted((tmp_path / "data" / "bounces").glob("*.eml"))
    assert len(kept) == 2 and kept[0].read_bytes() == reply
    assert oct(kept[0].stat().st_mode & 0o777) == "0o600"
    note.refresh_from_db()
    assert note.status == Status.SENT and not BouncedAddress.objects.exists()


def test_without_a_bounce_address_the_sender_is_todays(sapporo, mover, sink, settings):
    settings.HIKKOSHI_BOUNCE_ADDRESS = ""
    _confirmation_sent(mover)
    assert _mail_from(sink) == "noreply@hikkoshi.example"


def test_a_report_is_read_with_the_email_package():
    raw = _dsn("bounces+1-x@example.jp", action="failed", status="5.2.2", message_id="<a@b>")
    [report] = bounces.reports(email.message_from_bytes(raw, policy=policy.default))
    assert report.permanent and report.status == "5.2.2" and ADDRESS not in report.diagnostic


def test_kept_returned_mails_are_erased_after_their_days(settings, tmp_path, monkeypatch):
    from hikkoshi.delivery.periodic import hourly
    from hikkoshi.notifications.bounces import bounce_dir, erase_kept, keep

    settings.DATA_DIR = tmp_path
    settings.HIKKOSHI_BOUNCE_KEEP_DAYS = "7"
    old, fresh = keep(b"From: mailer-daemon\r\n\r\nold"), keep(b"From: mailer-daemon\r\n\r\nfresh")
    leftover = bounce_dir() / ".half-written.eml.tmp"
    leftover.write_bytes(b"x")
    eight_days_ago = time.time() - 8 * 86400
    for path in (bounce_dir() / old, leftover):
        os.utime(path, (eight_days_ago, eight_days_ago))
    assert "bounces" in [job.name for job in hourly()]  # the workers run it with their upkeep
    assert erase_kept() == 2
    assert sorted(p.name for p in bounce_dir().iterdir()) == [fresh]
    assert erase_kept() == 0
