"""The outbox (送付待ち行列): one delivery per procedure of a submitted move.

A ``Delivery`` is created in the same transaction as the move and handed to a worker only after
that transaction commits. Its status is the procedure's status (``moves.EntryStatus``), kept on
the procedure too (``MoveProcedure.status``) so pages, the API and 申請結果 read it there. Every
step of its life is an append-only ``DeliveryEvent`` — codes and ids, never personal data.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.catalogue.constants import Channel
from hikkoshi.moves.constants import EntryStatus
from hikkoshi.moves.models import MoveProcedure


class Delivery(models.Model):
    entry = models.OneToOneField(MoveProcedure, on_delete=models.CASCADE, related_name="delivery",
                                 verbose_name=_("procedure of a move"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=EntryStatus.choices,
                              default=EntryStatus.QUEUED)
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
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))
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

    def __str__(self):
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

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    code = models.CharField(_("code"), max_length=60, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} {self.code}".strip()
