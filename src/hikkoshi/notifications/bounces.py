"""Bounces of the notifications' mails (VERP and RFC 3464 delivery-status reports).

With ``HIKKOSHI_BOUNCE_ADDRESS`` set (``bounces@example.jp``), each notification is mailed with
the envelope sender (MAIL FROM, the Return-Path the receiving side records)
``bounces+<id>-<mac>@example.jp``: ``<mac>`` is a keyed HMAC of the id, so a returned mail names
its notification and nobody can make one name another. The MTA pipes what comes back to that
address into ``hikkoshi manage notification_bounce`` (``read_bounce``):

- a permanent failure (``Status: 5.x.x``): the notification is ``bounced`` (staff see it in the
  admin) and the address it went to is marked as not receiving (``BouncedAddress``, a keyed
  digest, never the address): later notifications to it stay in the お知らせ inbox, the
  settings page says so, until its owner changes or confirms the address;
- a transient one (``Action: failed`` with ``4.x.x``: the remote MTA gave up): mailed again
  with the delivery policy (``delivery.policy``), as a 4xx at send time would be;
  ``Action: delayed`` (the remote MTA still tries) is only noted;
- anything else (no readable report, no valid token): kept as a file for the administrator
  (``<data dir>/bounces``) — the command still succeeds, so the MTA neither loops nor bounces
  the bounce.

Nothing here logs an address or a mail's text: ids, DSN status codes and file names only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
import logging
import os
from pathlib import Path
import re
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from hikkoshi.delivery import policy
from hikkoshi.delivery.smtp import reply_text

from .models import BouncedAddress, Notification, Status

logger = logging.getLogger(__name__)

_VERP_SALT = "hikkoshi.notifications.bounce-token"
_ADDRESS_SALT = "hikkoshi.notifications.address"
_MAC_LENGTH = 20  # hex digits: 80 bits
_TOKEN = re.compile(r"^(\d{1,18})-([0-9a-f]{20})$")  # <id>-<mac>, _MAC_LENGTH digits
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
# The mail statuses a returned mail can still change: sent, or "outcome unknown" (it may have gone).
_RETURNABLE = (Status.SENT, Status.FAILED)


def address_digest(address: str) -> str:
    """A keyed digest of an e-mail address (case of the domain and local part ignored)."""
    return salted_hmac(_ADDRESS_SALT, address.strip().lower(), algorithm="sha256").hexdigest()


def _mac(notification_id: int) -> str:
    return salted_hmac(_VERP_SALT, str(notification_id), algorithm="sha256").hexdigest()[:_MAC_LENGTH]


def token_for(notification_id: int) -> str:
    return f"{notification_id}-{_mac(notification_id)}"


def envelope_sender(notification_id: int) -> str | None:
    """The VERP envelope sender of a notification's mail; None without ``HIKKOSHI_BOUNCE_ADDRESS``."""
    base = str(getattr(settings, "HIKKOSHI_BOUNCE_ADDRESS", "") or "").strip()
    local, at, domain = base.rpartition("@")
    if not (local and at and domain):
        return None
    return f"{local}+{token_for(notification_id)}@{domain}"


def notification_id_of(address: str) -> int | None:
    """The notification a VERP address names, if its token is genuine."""
    local = address.strip().strip("<>").rpartition("@")[0]
    token = local.partition("+")[2].lower()
    found = _TOKEN.match(token)
    if not found or not constant_time_compare(found.group(2), _mac(int(found.group(1)))):
        return None
    return int(found.group(1))


def is_undeliverable(address: str) -> bool:
    return bool(address) and BouncedAddress.objects.filter(digest=address_digest(address)).exists()


def clear(address: str) -> int:
    """The address receives again (its owner changed or confirmed it)."""
    return BouncedAddress.objects.filter(digest=address_digest(address)).delete()[0] if address else 0


# --- reading a returned mail --------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One recipient's block of a delivery-status report."""

    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # 5.1.1
    diagnostic: str  # the remote server's words, any address masked

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")

    @property
    def transient(self) -> bool:
        return self.action == "failed" and self.status.startswith("4.")


def reports(msg: Message) -> list[Report]:
    """The per-recipient blocks of the message's RFC 3464 delivery-status part (none: not a DSN)."""
    found: list[Report] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is per message (Reporting-MTA…)
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip().split(" ")[0]
            if action and _STATUS.match(status):
                diagnostic = str(block.get("Diagnostic-Code", "")).partition(";")[2]
                found.append(Report(action=action, status=status, diagnostic=reply_text(diagnostic)))
    return found


# Where an MTA tells a piped command which address the mail came to: Postfix's local(8)
# (environment and headers), Exim (Envelope-To), and the report's own To.
_ENVIRONMENT = ("ORIGINAL_RECIPIENT", "RECIPIENT")
_HEADERS = ("X-Original-To", "Delivered-To", "Envelope-To", "To")


def _notification_named(msg: Message, environ: dict[str, str]) -> int | None:
    candidates = [environ.get(name, "") for name in _ENVIRONMENT]
    for header in _HEADERS:
        for value in msg.get_all(header) or []:
            candidates.extend(re.findall(r"[^\s<>,;\"]+@[^\s<>,;\"]+", str(value)))
    for candidate in candidates:
        if candidate and (found := notification_id_of(candidate)) is not None:
            return found
    return None


def read_bounce(raw: bytes, environ: dict[str, str] | None = None, *, now: datetime | None = None) -> str:
    """Handle one returned mail; what was done (``"bounced 5.1.1"``, ``"kept <file>"`` …)."""
    import email
    from email import policy as email_policy

    environ = dict(os.environ if environ is None else environ)
    msg = email.message_from_bytes(raw, policy=email_policy.default)
    found = reports(msg)
    notification_id = _notification_named(msg, environ)
    if notification_id is None or not found:
        name = keep(raw)
        why = "no_token" if notification_id is None else "no_dsn"
        logger.warning("notification_bounce_unread reason=%s file=%s", why, name)
        return f"kept {name}"
    report = next((r for r in found if r.permanent), None) or next((r for r in found if r.transient), found[0])
    return record(notification_id, report, now=now or timezone.now())


def record(notification_id: int, report: Report, *, now: datetime) -> str:
    """What a report means for its notification (idempotent: the same report twice changes nothing more)."""
    from .services import enqueue

    fields: dict[str, object] = {"error_code": f"dsn_{report.status}"[:60], "error_detail": report.diagnostic[:300]}
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            outcome = "unknown notification"
        elif report.permanent:
            if notification.status in _RETURNABLE:
                Notification.objects.filter(pk=notification.pk).update(
                    status=Status.BOUNCED, bounced_at=now, claim="", **fields
                )
            if notification.to_digest:
                BouncedAddress.objects.update_or_create(
                    digest=notification.to_digest,
                    defaults={"notification": notification, "status": report.status, "bounced_at": now},
                )
            outcome = f"bounced {report.status}"
        elif report.transient and notification.status == Status.SENT:
            decision = policy.decide(
                retryable=True,
                attempt=notification.attempts,
                created_at=notification.retry_from or notification.due_at,
                now=now,
            )
            if decision.retry:
                at = now + timedelta(seconds=decision.delay)
                Notification.objects.filter(pk=notification.pk).update(status=Status.RETRYING, due_at=at, **fields)
                transaction.on_commit(lambda: enqueue(notification_id, run_after=at), robust=True)
                outcome = f"retry {report.status}"
            else:
                Notification.objects.filter(pk=notification.pk).update(status=Status.FAILED, **fields)
                outcome = f"failed {report.status}"
        elif report.action == "delayed" and notification.status == Status.SENT:
            # The remote MTA still tries: sending another copy now would make two.
            Notification.objects.filter(pk=notification.pk).update(**fields)
            outcome = f"delayed {report.status}"
        else:
            outcome = f"ignored {report.action} {report.status}"
    logger.info("notification_bounce notification=%s outcome=%s", notification_id, outcome)
    return outcome


def bounce_dir() -> Path:
    return Path(settings.DATA_DIR) / "bounces"


def keep(raw: bytes) -> str:
    """A returned mail nobody could read, kept for the administrator (readable by the owner only)."""
    directory = bounce_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{secrets.token_hex(6)}.eml"
    temporary = directory / f".{name}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(raw)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, directory / name)
    return name


KEEP_DAYS = 30  # a kept returned mail may quote the mover's address: gone after this many days


def keep_days() -> int:
    """The setting ``HIKKOSHI_BOUNCE_KEEP_DAYS``, or ``KEEP_DAYS`` when unset or not a positive
    number (a mistyped value never keeps returned mails for ever, nor erases them at once)."""
    try:
        value = int(getattr(settings, "HIKKOSHI_BOUNCE_KEEP_DAYS", KEEP_DAYS))
    except (TypeError, ValueError):
        return KEEP_DAYS
    return value if value > 0 else KEEP_DAYS


def erase_kept(*, now: float | None = None) -> int:
    """Delete the returned mails kept for the administrator (``keep``) once older than
    ``keep_days()``, and leftovers of a write that never finished; how many went. Run hourly
    by the workers with the other erasure jobs."""
    directory = bounce_dir()
    if not directory.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - keep_days() * 86400
    erased = 0
    for path in directory.iterdir():
        if not path.is_file() or not path.name.endswith((".eml", ".tmp")):
            continue
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                erased += 1
        except FileNotFoundError:  # another worker erased it first
            continue
    return erased
