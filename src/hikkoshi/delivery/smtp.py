"""One real SMTP conversation for the e-mail channel and the e-mail-to-fax gateway (メール送信).

``send_message(msg)`` speaks to the server of ``settings.HIKKOSHI_SMTP`` with ``smtplib`` —
whatever Django's ``EMAIL_BACKEND`` says — and turns every failure into a ``DeliveryError``
that says whether another try can help:

* no answer (refused, unreachable, timeout), the server hanging up → retryable;
* a 4xx reply (greylisting, a full queue, 421 on greeting) → retryable, ``smtp_<code>``;
* a 5xx reply (unknown mailbox, refused sender, failed AUTH) → final, ``smtp_<code>``;
* STARTTLS asked for but not offered, a certificate that does not verify → final (a setting
  to fix; trying again for days helps nobody).

The Message-ID is the caller's (``message_id_for(idempotency_key)``), the same on every
attempt of one delivery: after an unclear outcome (the connection dropped after the final
``.``) the organisation receives the same Message-ID twice and can tell the second is a
duplicate.

Settings keys (``HIKKOSHI_SMTP``): ``host``, ``port``, ``starttls`` (bool), ``user`` and
``password`` (AUTH only when ``user`` is set), ``from`` (address or ``Name <address>``),
``timeout`` (seconds, for connecting and for each reply), and optionally ``cafile`` (a CA
bundle to verify the server's certificate with instead of the system's) and ``helo`` (the
name in EHLO; the host's name when empty).
"""

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
import logging
import re
import smtplib
import ssl
from typing import NotRequired, TypedDict, cast

from django.conf import settings

from .channels.base import DeliveryError

logger = logging.getLogger(__name__)


# ``settings.HIKKOSHI_SMTP`` (the module's docstring says what each key is for); "from" is a
# Python keyword, hence this form.
SmtpSettings = TypedDict(
    "SmtpSettings",
    {
        "host": str,
        "port": int,
        "from": str,
        "starttls": NotRequired[bool],
        "user": NotRequired[str],
        "password": NotRequired[str],
        "timeout": NotRequired[float],
        "cafile": NotRequired[str],
        "helo": NotRequired[str],
    },
)


def config() -> SmtpSettings:
    # The settings module makes it a plain dict (django-stubs: dict[str, object]); its keys and
    # their types are the ones above.
    return cast(SmtpSettings, settings.HIKKOSHI_SMTP)


def sender() -> str:
    """The From header of outgoing mail: ``HIKKOSHI_SMTP["from"]`` as configured."""
    return config()["from"]


def sender_address() -> str:
    """The bare address of the sender (the envelope's MAIL FROM)."""
    return parseaddr(sender())[1] or sender()


def sender_domain() -> str:
    address = sender_address()
    return address.rpartition("@")[2] or "hikkoshi.invalid"


def message_id_for(key: str) -> str:
    """``<key@sender-domain>``: the Message-ID of every attempt of one delivery.

    ``key`` is the delivery's idempotency key (a UUID); anything but letters, digits, ``-``
    and ``.`` is dropped so the result is always a valid msg-id.
    """
    local = re.sub(r"[^A-Za-z0-9.\-]", "", key) or make_msgid().strip("<>").partition("@")[0]
    return f"<{local}@{sender_domain()}>"


def send_message(
    msg: EmailMessage, *, before_data: Callable[[], None] | None = None, envelope_from: str | None = None
) -> str:
    """Send ``msg`` by SMTP and return its Message-ID, or raise ``DeliveryError``.

    ``From``, ``Date`` and ``Message-ID`` are filled in when the message lacks them (a fresh
    Message-ID then; callers that retry set their own with ``message_id_for``). Recipients
    are the message's To / Cc / Bcc.

    ``before_data`` is called once the server has accepted the sender and the recipients, just
    before the message itself goes (DATA): until then nothing can have been delivered, so a
    caller that records that moment knows, after losing its worker, whether trying again could
    deliver a second copy (the notifications do: ``notifications.services``).

    ``envelope_from`` is the MAIL FROM (where the receiving servers return bounces: the
    notifications' VERP address); the sender's address when not given.
    """
    cfg = config()
    if not msg["From"]:
        msg["From"] = sender()
    if not msg["Date"]:
        msg["Date"] = formatdate(localtime=True)
    if not msg["Message-ID"]:
        msg["Message-ID"] = make_msgid(domain=sender_domain())
    message_id = str(msg["Message-ID"])
    host, port = cfg["host"], int(cfg["port"])
    try:
        with smtplib.SMTP(
            host, port, local_hostname=cfg.get("helo") or None, timeout=float(cfg.get("timeout") or 20)
        ) as smtp:
            smtp.ehlo()
            if cfg.get("starttls"):
                context = ssl.create_default_context(cafile=cfg.get("cafile") or None)
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.get("user"):
                smtp.login(cfg["user"], cfg.get("password") or "")
            if before_data is not None:
                _call_before_data(smtp, before_data)
            refused = smtp.send_message(msg, from_addr=envelope_from or sender_address())
    except smtplib.SMTPRecipientsRefused as exc:
        raise _refused(exc.recipients) from None
    except smtplib.SMTPResponseException as exc:  # greeting, HELO, AUTH, MAIL FROM, DATA
        raise _reply_error(exc.smtp_code, exc.smtp_error, _stage(exc)) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            "smtp_not_supported", f"the server does not support {_short(exc)}", retryable=False
        ) from None
    except smtplib.SMTPServerDisconnected:
        raise DeliveryError("smtp_disconnected", "the server closed the connection", retryable=True) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            "smtp_tls_verify", f"certificate not trusted: {exc.verify_message}", retryable=False
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError("smtp_tls", _short(exc), retryable=True) from None
    except smtplib.SMTPException as exc:  # e.g. "No suitable authentication method found."
        raise DeliveryError("smtp_error", _short(exc), retryable=False) from None
    except TimeoutError:
        raise DeliveryError("timeout", f"no answer from {host}:{port}", retryable=True) from None
    except ConnectionRefusedError:
        raise DeliveryError("connection_refused", f"nothing listens on {host}:{port}", retryable=True) from None
    except OSError as exc:  # unreachable, reset, name not resolved
        raise DeliveryError("connection_error", f"{host}:{port}: {type(exc).__name__}", retryable=True) from None
    if refused:  # some recipients of several refused: the others have the message already
        raise _refused(refused)
    logger.info("smtp_sent message_id=%s server=%s:%s", message_id, host, port)
    return message_id


def _call_before_data(smtp: smtplib.SMTP, hook: Callable[[], None]) -> None:
    """Have ``smtp`` call ``hook`` right before its DATA command (``sendmail`` calls
    ``self.data`` after MAIL FROM and RCPT TO succeeded)."""
    data = smtp.data

    def data_after_hook(message: bytes | str) -> tuple[int, bytes]:
        hook()
        return data(message)

    setattr(smtp, "data", data_after_hook)  # noqa: B010 (an instance's own method, replaced)


def _stage(exc: smtplib.SMTPResponseException) -> str:
    return {
        smtplib.SMTPConnectError: "greeting",
        smtplib.SMTPHeloError: "EHLO",
        smtplib.SMTPAuthenticationError: "AUTH",
        smtplib.SMTPSenderRefused: "MAIL FROM",
        smtplib.SMTPDataError: "DATA",
    }.get(type(exc), "reply")


def _reply_error(code: int, text: bytes | str, stage: str) -> DeliveryError:
    retryable = not 500 <= code <= 599
    return DeliveryError(f"smtp_{code}", f"{stage}: {_reply_text(text)}", retryable=retryable)


def _refused(recipients: dict[str, tuple[int, bytes]]) -> DeliveryError:
    """One error for refused recipients: final if any refusal is permanent (5xx)."""
    codes = [code for code, _text in recipients.values()]
    final = [code for code in codes if 500 <= code <= 599]
    code = final[0] if final else codes[0]
    text = next(text for c, text in recipients.values() if c == code)
    return DeliveryError(f"smtp_{code}", f"RCPT TO: {_reply_text(text)}", retryable=not final)


_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>]+")


def _reply_text(text: object) -> str:
    """A server's reply as short printable ASCII for staff, any e-mail address masked."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    text = _ADDRESS.sub("<address>", " ".join(str(text).split()))
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:160]


reply_text = _reply_text  # for the notifications' bounces (a remote server's words, for staff)


def _short(exc: Exception) -> str:
    return _reply_text(str(exc) or type(exc).__name__)
