"""The outbox (送付待ち行列): one delivery per procedure of a submitted move.

A ``Delivery`` is created in the same transaction as the move (on ``moves.signals.move_submitted``)
and handed to a worker only after that transaction commits. Its status is the procedure's status
(``moves.ProcedureStatus``), kept on the procedure too (``MoveProcedure.status``, which moves owns:
delivery changes it through ``moves.lifecycle.procedure_status_record`` only) so pages, the API and
申請結果 read it there. Every step of its life is an append-only ``DeliveryEvent`` — codes and
ids, never personal data.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi import channels
from hikkoshi.encryption.fields import EncryptedJSONField
from hikkoshi.moves.constants import NoticeKind, NoticeStatus, ProcedureStatus
from hikkoshi.moves.models import MoveProcedure


class Delivery(models.Model):
    entry = models.OneToOneField(
        MoveProcedure, on_delete=models.CASCADE, related_name="delivery", verbose_name=_("procedure of a move")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=channels.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ProcedureStatus.choices, default=ProcedureStatus.QUEUED
    )
    # Sent with every attempt (Idempotency-Key, Message-ID, spool name): an organisation that
    # honours it never takes the same application twice.
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Where the maximum age of retries counts from: creation, or a staff member's resend.
    retry_from = models.DateTimeField(_("retries counted from"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # The claim of the worker sending it now: a worker records its result only under its own claim.
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    receipt = models.JSONField(_("receipt"), default=dict, blank=True)
    message_id = models.CharField(_("message id"), max_length=250, blank=True)
    error_code = models.CharField(_("error"), max_length=60, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=300, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            # The admin's list (newest first) and its date filter; search by reference number.
            models.Index(fields=["-created_at", "-id"], name="delivery_created_idx"),
            # 「要対応」: the failed or stuck ones, newest first, without walking every delivery.
            models.Index(fields=["status", "-created_at", "-id"], name="delivery_status_created_idx"),
            models.Index(fields=["reference"], name="delivery_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"


class DeliveryEvent(models.Model):
    """One step of a delivery's life, appended and never changed."""

    class Kind(models.TextChoices):
        ATTEMPT = "attempt", _("Attempt started")  # recorded by earlier versions only
        DELIVERED = "delivered", _("Delivered")
        RETRY = "retry", _("Will retry")
        FAILED = "failed", _("Failed")
        LOST = "lost", _("Worker lost; queued again")
        RESENT = "resent", _("Resent by staff")
        HANDLED = "handled", _("Marked handled by staff")
        # 取下げ・訂正 (``Notice``): the code says which notice (its id and kind).
        WITHDRAWN = "withdrawn", _("Withdrawn before it was sent")
        NOTICE_QUEUED = "notice_queued", _("Withdrawal or correction to be sent")
        NOTICE_SENT = "notice_sent", _("Withdrawal or correction delivered")
        NOTICE_RETRY = "notice_retry", _("Withdrawal or correction: will retry")
        NOTICE_REFUSED = "notice_refused", _("Withdrawal or correction refused: already processed")
        NOTICE_FAILED = "notice_failed", _("Withdrawal or correction failed")
        NOTICE_DROPPED = "notice_dropped", _("Withdrawal or correction not needed")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    code = models.CharField(_("code"), max_length=60, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.code}".strip()


class Notice(models.Model):
    """A withdrawal (取下げ) or a correction (訂正) of an application, on its way to the
    organisation that has it (or that would have had it).

    Made by ``delivery.notices``: one per procedure concerned and request of the mover (the
    request's own key makes a repeated request change nothing). An application not yet sent
    is cancelled instead (its delivery "withdrawn", this notice "not needed"); one delivered
    gets this notice by the same channel, with its own idempotency key, the same life cycle as
    an application and the same retry policy. ``changes`` names the fields a correction
    changed (names only: the values are the move's).
    """

    # The vocabulary is the mover's (moves shows these on the result page): ``moves.constants``.
    Kind = NoticeKind
    Status = NoticeStatus

    OPEN = ("queued", "retrying")
    UNFINISHED = NoticeStatus.unfinished()

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="notices", verbose_name=_("delivery"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    # The mover's request (a token of the form they sent): the same request twice is one notice.
    request_key = models.CharField(_("request"), max_length=64)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    changes = models.JSONField(_("changed fields"), default=list, blank=True)
    # The web channel's body as first sent, so every attempt sends the very same bytes (the
    # organisation tells a repeat by its key and digest) even if the mover corrects again
    # meanwhile. Personal data: encrypted, and emptied with the move's.
    body = EncryptedJSONField(_("what was sent"), default=dict, blank=True, row_key="idempotency_key")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    retry_from = models.DateTimeField(_("retries counted from"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    receipt = models.JSONField(_("receipt"), default=dict, blank=True)
    message_id = models.CharField(_("message id"), max_length=250, blank=True)
    error_code = models.CharField(_("error"), max_length=60, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("withdrawal or correction")
        verbose_name_plural = _("withdrawals and corrections")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["delivery", "request_key"], name="notice_once_per_request")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class AnswerNonce(models.Model):  # noqa: DJ008 (bookkeeping, never shown)
    """A nonce of an organisation's signed answer (処理状況, ``delivery.answers``), kept while a
    signature of its age could still be accepted (``httpsig.replay_window``): the same
    signature twice is a replay."""

    key_id = models.CharField(max_length=200)
    nonce = models.CharField(max_length=200)
    signed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="delivery_answer_nonce_once")]
