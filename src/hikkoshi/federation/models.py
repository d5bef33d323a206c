"""The pinned peers (連携先ポータル), the nonces of the requests they signed, and their rate windows.

A peer is trusted by the thumbprints (RFC 7638) of its keys that the operator compared out of
band (``hikkoshi federation peer add``); its well-known document, verified with such a key,
brings its other keys (``keys``: the current and next ones it listed). Its region counts only
inside the areas the operator allowed (``areas``). Failures and the cool-off are rows, so every
process and host skips a peer that is down alike.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.directory.validators import validate_area_code
from hikkoshi.encryption.fields import EncryptedJSONField

FAILURES_BEFORE_COOL_OFF = 3


class Peer(models.Model):
    """Another moving portal this one works with (連携先ポータル)."""

    slug = models.SlugField(_("identifier"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    base_url = models.URLField(_("base URL"), max_length=300)
    # RFC 7638 thumbprints (SHA-256, base64url) of keys the operator pinned.
    thumbprints = models.JSONField(_("pinned key thumbprints"), default=list)
    # JIS X 0402 codes (2-digit prefecture, 5-digit municipality) the operator allows this peer.
    areas = models.JSONField(_("allowed areas"), default=list, blank=True)
    # "" for a peer running hikkoshi (the common interface); else the adapter's registered name.
    adapter = models.CharField(_("adapter"), max_length=40, blank=True)
    # An adapter's peer: its API key or bearer token for this portal, encrypted at rest (a
    # JSON string; "" for a peer running hikkoshi, which signs instead).
    credential = EncryptedJSONField(_("credential"), default=str, blank=True, row_key="slug")
    # Requests a minute this peer may send us (0: the setting HIKKOSHI_FEDERATION["rate_per_minute"]).
    rate_per_minute = models.PositiveIntegerField(_("requests per minute"), default=0)
    # The claims of its last well-known document that verified, and the keys that count
    # (public JWKs: pinned ones seen, and those a trusted key signed).
    document = models.JSONField(_("last verified document"), default=dict, blank=True)
    document_verified_at = models.DateTimeField(_("document verified at"), null=True, blank=True)
    keys = models.JSONField(_("trusted keys"), default=list, blank=True)
    # The region it claims, cut to the allowed areas: what counts.
    served_areas = models.JSONField(_("served areas"), default=list, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, validators=[MinValueValidator(0)])
    skipped_until = models.DateTimeField(_("skipped until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("partner portal")
        verbose_name_plural = _("partner portals")
        ordering = ["slug"]

    def __str__(self):
        return self.name or self.slug

    def clean(self):
        for code in self.areas:
            validate_area_code(code)

    # --- the cool-off shared by every process ---------------------------------------------------

    def skipped(self, now=None) -> bool:
        return self.skipped_until is not None and self.skipped_until > (now or timezone.now())

    def record_failure(self, reason: str, *, cool_off: float) -> None:
        """One more failure; from the third in a row the peer is skipped for ``cool_off`` seconds."""
        now = timezone.now()
        Peer.objects.filter(pk=self.pk).update(failures=F("failures") + 1, last_error=reason[:200])
        Peer.objects.filter(pk=self.pk, failures__gte=FAILURES_BEFORE_COOL_OFF).update(
            skipped_until=now + timedelta(seconds=cool_off)
        )
        self.refresh_from_db(fields=["failures", "skipped_until", "last_error"])

    def record_success(self) -> None:
        if self.failures or self.skipped_until or self.last_error:
            Peer.objects.filter(pk=self.pk).update(failures=0, skipped_until=None, last_error="")
            self.failures, self.skipped_until, self.last_error = 0, None, ""


class PeerRevision(models.Model):  # noqa: DJ008 (one row, never shown by itself)
    """A stamp renewed by every save and delete of a ``Peer``, in the same transaction (as
    ``directory.models.DirectoryRevision`` for the directory).

    What each process derives from the peers on every page (the origins of the CSP
    ``form-action``: ``middleware.partner_origins``) is kept in memory with the stamp it was
    read under, and read again only when the stamp differs. The stamp is random, not a counter,
    so a rolled-back change (a test's transaction) can never make an old stamp come back.
    """

    stamp = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("partner portals revision")


class LiveAnswer(models.Model):  # noqa: DJ008 (a cache, never shown by itself)
    """A per-query peer's answer for one place (``federation.live``), kept until ``expires_at``
    so every process and host asks the peer once per place and period; after that, shown with
    its date while the peer cannot be reached. ``organisations`` are in the ``hikkoshi-directory``
    format, already validated."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    place = models.CharField(max_length=20)  # the postal code asked (7 digits)
    organisations = models.JSONField(default=list)
    answered_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "place"], name="federation_live_answer_once")]


class SeenNonce(models.Model):  # noqa: DJ008 (bookkeeping, never shown)
    """A nonce of a peer's signed request, kept while a signature of its age could still be
    accepted (``httpsig.replay_window``): the same signature twice is a replay."""

    key_id = models.CharField(max_length=200)
    nonce = models.CharField(max_length=200)
    signed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="federation_nonce_once")]


class RateWindow(models.Model):  # noqa: DJ008 (bookkeeping, never shown)
    """How many requests a peer sent in one minute (a fixed window, counted in the database so
    every web process and host shares it)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "minute"], name="federation_rate_window_once")]


# --- hand-overs (引継ぎ) and the record of each transfer (個人情報保護法 Art. 29/30) ---------------------

HANDOFF_LIFETIME = timedelta(minutes=10)
TRANSFER_RECORD_RETENTION = timedelta(days=3 * 365 + 1)  # 3 years (Art. 29/30 and its rules)


class HandoffState(models.TextChoices):
    OFFERED = "offered", _("Waiting for the mover")
    CLAIMED = "claimed", _("Opened by the mover")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Handoff(models.Model):
    """A hand-over received from a peer (destination side, 受け取った引継ぎ): the validated data
    set, encrypted, until the mover opens it through its one-time claim URL, at most
    ``HANDOFF_LIFETIME`` after the offer. Once claimed, withdrawn or expired the document is
    emptied; the row (ids, state, consent without the data) stays."""

    id = models.CharField(primary_key=True, max_length=43, editable=False)  # secrets.token_urlsafe(32)
    # A removed peer's hand-overs go with it; the transfer records stay.
    origin = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="handoffs_received")
    idempotency_key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)  # of the body: the same key with another body is refused
    document = EncryptedJSONField(default=dict)  # the data set (共通データセット); {} once used or ended
    answer = EncryptedJSONField(default=dict)  # what the origin was answered (its claim URL) while offered
    claim_digest = models.CharField(max_length=64, unique=True)  # encryption.digests.token_digest
    # The consent the origin recorded: who (its pairwise subject for the mover), when, the
    # hash of this portal's privacy policy shown, the items.
    subject = models.CharField(max_length=200)
    consent_at = models.DateTimeField()
    policy_sha256 = models.CharField(max_length=64)
    items = models.JSONField(default=list)
    state = models.CharField(max_length=10, choices=HandoffState.choices, default=HandoffState.OFFERED)
    offered_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # The draft the mover's claim made (a plain id: the move's erasure does not touch this row).
    move_public_id = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("received hand-over")
        verbose_name_plural = _("received hand-overs")
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "idempotency_key"], name="federation_handoff_key_once")
        ]

    def __str__(self):
        return f"{self.origin_id} {self.offered_at:%Y-%m-%d %H:%M} {self.state}"


class OutgoingState(models.TextChoices):
    CONSENTED = "consented", _("Consent recorded, not sent yet")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not sent")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OutgoingHandoff(models.Model):
    """A hand-over of a move to a peer (origin side, 送った引継ぎ), made only with the mover's
    consent (who, when, the hash of the peer's privacy policy from its verified document, the
    items). ``payload`` (the continue URL, what an adapter sent) is emptied when the move is
    erased; the consent and the ids stay."""

    move = models.ForeignKey("moves.Move", on_delete=models.CASCADE, related_name="handoffs")
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="handoffs_sent")
    user_id = models.BigIntegerField()  # who consented (the mover, or staff for them)
    consent_at = models.DateTimeField(default=timezone.now)
    policy_sha256 = models.CharField(max_length=64, blank=True)
    items = models.JSONField(default=list)
    subject = models.CharField(max_length=200)  # the mover's pairwise subject for this peer
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=OutgoingState.choices, default=OutgoingState.CONSENTED)
    remote_id = models.CharField(max_length=200, blank=True)  # its id there, or the adapter's 受付番号
    # Sent: {"continue_url", "expires_at"} (+ an adapter's "sent", "answer_sha256"); failed:
    # {"document"} for a retry with the same key. Emptied by the move's erasure.
    payload = EncryptedJSONField(default=dict, row_key="idempotency_key")
    error = models.CharField(max_length=40, blank=True)  # a short reason code, never the peer's text
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sent hand-over")
        verbose_name_plural = _("sent hand-overs")
        ordering = ["-consent_at"]

    def __str__(self):
        return f"{self.peer_id} {self.consent_at:%Y-%m-%d %H:%M} {self.state}"


class TransferDirection(models.TextChoices):
    SENT = "sent", _("Provided to a third party (第三者提供)")
    RECEIVED = "received", _("Received from a third party (第三者からの受領)")


class TransferRecord(models.Model):
    """The record of a transfer of personal data to or from a peer that 個人情報保護法 Art. 29
    (provision) and Art. 30 (receipt) require: the date, the other party, the person, the items
    and the consent. Kept ``TRANSFER_RECORD_RETENTION`` (3 years), apart from the 30-day
    erasure of moves: no foreign key to a move or peer, only ids; the person is named by the
    pairwise subject, never by name."""

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    direction = models.CharField(_("direction"), max_length=10, choices=TransferDirection.choices)
    peer_slug = models.CharField(_("other party (id)"), max_length=40)
    peer_name = models.CharField(_("other party"), max_length=200, blank=True)
    person = models.CharField(_("person (pairwise subject)"), max_length=200)
    move_public_id = models.UUIDField(_("move"), null=True, blank=True)
    items = models.JSONField(_("items"), default=list)
    consent_at = models.DateTimeField(_("consent given"))
    policy_sha256 = models.CharField(_("privacy policy (SHA-256)"), max_length=64, blank=True)
    reference = models.CharField(_("hand-over"), max_length=200, blank=True)  # the hand-over's id
    keep_until = models.DateTimeField(_("kept until"), db_index=True)

    class Meta:
        verbose_name = _("transfer record")
        verbose_name_plural = _("transfer records")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.direction} {self.peer_slug}"

    def save(self, *args, **kwargs):
        if self.keep_until is None:
            self.keep_until = (self.at or timezone.now()) + TRANSFER_RECORD_RETENTION
        super().save(*args, **kwargs)


class PairwiseSubject(models.Model):
    """Who a user of this portal is to one peer (OpenID Connect pairwise ``sub``): random, made
    the first time it is needed and kept, so it is never the database id, differs per peer,
    and depends on no key (changing ``SECRET_KEY`` or the data keys leaves it as it is). The
    hand-over posts it as the mover's subject; this portal's provider signs the mover in to
    that peer with it (``hikkoshi.federation.signin``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    peer_slug = models.SlugField(_("partner portal"), max_length=40)
    sub = models.CharField(_("subject"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("made"), default=timezone.now)

    class Meta:
        verbose_name = _("pairwise subject")
        verbose_name_plural = _("pairwise subjects")
        constraints = [models.UniqueConstraint(fields=["user", "peer_slug"], name="pairwise_subject_one_per_peer")]

    def __str__(self):
        return self.peer_slug
