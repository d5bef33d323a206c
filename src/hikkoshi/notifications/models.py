"""A notification (お知らせ) and a mover's preferences.

A ``Notification`` is one message to one mover about one move: made once (``key`` is unique:
the same event twice is one row), shown in the inbox, and mailed by a worker that claims it
(``claim``, ``sending_since``) — the Message-ID comes from ``key``, the same on every attempt.
It holds no personal data but the organisation's words to the mover (``details``, encrypted),
and goes with its move (deleted with it, and by the erasure after the retention time).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hikkoshi.encryption.fields import EncryptedJSONField
from hikkoshi.moves.models import Move, MoveProcedure


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Application received (受付完了)")
    ACTION = "action", _("An application needs you")
    SUMMARY = "summary", _("Every procedure is settled")
    DEADLINE = "deadline", _("Reminder: a deadline is near")
    MOVING_DAY = "moving_day", _("Reminder: the moving day is near")


class Status(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Will retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not mailed")  # the mover turned this kind off, or no address
    CANCELLED = "cancelled", _("Cancelled")  # a reminder no longer needed
    BOUNCED = "bounced", _("Bounced")  # the mover's mail server returned it for good (5.x.x)


OPEN = (Status.SCHEDULED, Status.RETRYING)


class Notification(models.Model):
    move = models.ForeignKey(Move, on_delete=models.CASCADE, related_name="+", verbose_name=_("move"))
    procedure = models.ForeignKey(
        MoveProcedure, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("procedure")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # The idempotency key: one row, one mail, per event ("move:<uuid>:confirmation", …).
    key = models.CharField(_("key"), max_length=120, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # When it is to be mailed (a reminder: days ahead) and shown in the inbox.
    due_at = models.DateTimeField(_("due"))
    # The procedure's status it tells of (action), or the deadline it reminds of (ISO date).
    topic = models.CharField(_("about"), max_length=40, blank=True)
    # The organisation's words to the mover (不備あり: what is missing): personal data, sealed.
    details = EncryptedJSONField(_("details"), default=dict, blank=True, row_key="key")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    retry_from = models.DateTimeField(_("retries counted from"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    # Set just before the mail's DATA: a worker lost after it may have sent the mail.
    data_at = models.DateTimeField(_("data sent at"), null=True, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("message id"), max_length=250, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    error_code = models.CharField(_("error"), max_length=60, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Which address it went to, as a keyed digest (``bounces.address_digest``), not the address:
    # a bounce marks that address as not receiving.
    to_digest = models.CharField(max_length=64, blank=True, editable=False)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="notification_status_due_idx"),
            models.Index(fields=["move", "-due_at"], name="notification_move_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class Preference(models.Model):
    """Which mails a mover wants, in which language, and how many days ahead reminders come.
    No row: every mail, in the language of the site when the move was submitted, 3 days ahead."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    confirmation = models.BooleanField(_("when my move is received (受付完了)"), default=True)
    action = models.BooleanField(_("when an application needs me"), default=True)
    summary = models.BooleanField(_("when every procedure is settled"), default=True)
    reminders = models.BooleanField(_("reminders before deadlines and the moving day"), default=True)
    language = models.CharField(
        _("language of the mails"), max_length=16, blank=True, choices=[("", _("As the site")), *settings.LANGUAGES]
    )
    lead_days = models.PositiveSmallIntegerField(_("days ahead for reminders"), default=3)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, "reminders" if kind in (Kind.DEADLINE, Kind.MOVING_DAY) else kind))


class BouncedAddress(models.Model):
    """An address whose mail server said it receives nothing (a 5.x.x bounce of a notification).
    Kept as a keyed digest, never the address: later notifications to it go to the inbox only,
    until its owner changes or confirms the address (``receivers``)."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("notification")
    )
    status = models.CharField(_("DSN status"), max_length=12, blank=True)  # e.g. 5.1.1
    bounced_at = models.DateTimeField(_("bounced"))

    class Meta:
        verbose_name = _("address not receiving")
        verbose_name_plural = _("addresses not receiving")

    def __str__(self) -> str:
        return f"bounced address #{self.pk} ({self.status})"
