"""The pinned peers (連携先ポータル), the nonces of the requests they signed, and their rate windows.

A peer is trusted by the thumbprints (RFC 7638) of its keys that the operator compared out of
band (``hikkoshi federation peer add``); its well-known document, verified with such a key,
brings its other keys (``keys``: the current and next ones it listed). Its region counts only
inside the areas the operator allowed (``areas``). Failures and the cool-off are rows, so every
process and host skips a peer that is down alike.
"""

from datetime import timedelta

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.directory.validators import validate_area_code

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
