from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from hikkoshi.encryption.fields import EncryptedJSONField

# Days a received application is kept when its organisation has set nothing else.
DEFAULT_RETENTION_DAYS = 90


class Application(models.Model):
    """One application received from the portal (受信した申請), stored once per idempotency key.

    Its personal data (the application and the applicant's name) is encrypted at rest with the
    receiver's data keys (``hikkoshi.encryption``); it is kept for the organisation's retention
    time (``OrganisationSetting``) and then deleted with its notices (``services.purge``)."""

    organisation = models.SlugField(_("organisation"), max_length=80)
    reference = models.CharField(_("reference number"), max_length=120, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    content_digest = models.CharField(_("content digest"), max_length=200)
    data = EncryptedJSONField(_("application"), row_key="reference")
    # Shown in the list without reading the whole application.
    procedure = models.CharField(_("procedure"), max_length=200, blank=True)
    applicant_name = EncryptedJSONField(_("applicant"), blank=True, default=str, row_key="reference")
    key_id = models.CharField(_("portal key id"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # The receipt's exact JSON text: the same key again is answered with these very bytes.
    receipt = models.TextField(_("receipt"))
    # 処理済み: the organisation's staff processed it; a withdrawal or correction is then
    # answered with 409 (contact the organisation instead).
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "idempotency_key"], name="receiver_application_once")
        ]
        indexes = [models.Index(fields=["organisation", "-received_at"])]

    def __str__(self):
        return self.reference


class Notice(models.Model):
    """A withdrawal (取下げ) or correction (訂正) of an application, received from the portal,
    stored once per idempotency key like an application."""

    WITHDRAWAL, CORRECTION = "withdrawal", "correction"
    KINDS = [(WITHDRAWAL, _("Withdrawal")), (CORRECTION, _("Correction"))]

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    organisation = models.SlugField(_("organisation"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    reference = models.CharField(_("reference number"), max_length=120, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    content_digest = models.CharField(_("content digest"), max_length=200)
    data = EncryptedJSONField(_("notice"), row_key="reference")
    key_id = models.CharField(_("portal key id"), max_length=200)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    receipt = models.TextField(_("receipt"))

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "idempotency_key"], name="receiver_notice_once")]

    def __str__(self):
        return self.reference


class SeenNonce(models.Model):  # noqa: DJ008 (bookkeeping, never shown)
    """A signature's nonce, kept while a signature of its age could still be accepted: the same
    signature twice is a replay."""

    key_id = models.CharField(max_length=200)
    nonce = models.CharField(max_length=200)
    signed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="receiver_nonce_once")]


class Counter(models.Model):  # noqa: DJ008 (bookkeeping, never shown)
    """The last reference number given by an organisation on a day."""

    organisation = models.SlugField(max_length=80)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "day"], name="receiver_counter_once")]


class StaffOrganisation(models.Model):  # noqa: DJ008 (listed by its user, never by itself)
    """Which organisation's applications a staff member of the receiver may see (担当の事業者).

    A receiver may serve several organisations (a shared service); each staff sign-in sees only
    the organisations it is mapped to (``hikkoshi receiver createstaff NAME --organisation
    SLUG``): the list, each application, marking it processed and the CSV."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="receiver_organisations")
    organisation = models.SlugField(_("organisation"), max_length=80)

    class Meta:
        verbose_name = _("staff organisation")
        verbose_name_plural = _("staff organisations")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="receiver_staff_org_once")]


class StaffSecondFactor(models.Model):  # noqa: DJ008 (a secret, never shown)
    """A staff member's authenticator app (二要素認証, TOTP of RFC 6238): its secret, encrypted at
    rest, and the last time step whose code was accepted, so that each code is used once
    (RFC 6238 section 5.2). Made by ``hikkoshi receiver createstaff``."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="receiver_second_factor")
    secret = EncryptedJSONField(_("secret"), row_key="user")  # base32 text
    last_step = models.BigIntegerField(_("last time step used"), default=0)
    created_at = models.DateTimeField(_("set up"), default=timezone.now)


class OrganisationSetting(models.Model):  # noqa: DJ008 (one line per organisation, set from the command)
    """What an organisation served here has set (事業者ごとの設定): how many days its received
    applications are kept (``hikkoshi receiver --organisation SLUG --retention-days N``)."""

    organisation = models.SlugField(_("organisation"), max_length=80, unique=True)
    retention_days = models.PositiveIntegerField(_("days applications are kept"), default=DEFAULT_RETENTION_DAYS)

    @classmethod
    def retention(cls, organisation: str) -> int:
        found = cls.objects.filter(organisation=organisation).values_list("retention_days", flat=True).first()
        return DEFAULT_RETENTION_DAYS if found is None else found


class StatusUpdate(models.Model):
    """A status the organisation's staff set on an application (処理状況), on its way to the
    portal: an outbox row (``services.send_status_updates``), sent signed with the
    organisation's receipt key and its own ``idempotency_key`` until the portal acknowledges it
    (2xx) or refuses it for good (4xx: ``refused_code``). Kept as the application's history;
    deleted with it. The message to the mover is encrypted at rest."""

    RECEIVED, PROCESSING, ACTION_NEEDED, DONE, REFUSED = "received", "processing", "action_needed", "done", "refused"
    STATUSES = [
        # Its own context: the column "Received" of the lists is the time it arrived (受信日時).
        (RECEIVED, pgettext_lazy("application status", "Received")),
        (PROCESSING, _("Being processed")),
        (ACTION_NEEDED, _("Something is missing (the applicant is to act)")),
        (DONE, _("Done")),
        (REFUSED, _("Not accepted")),
    ]

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_updates")
    status = models.CharField(_("status"), max_length=16, choices=STATUSES)
    message = EncryptedJSONField(_("message to the applicant"), blank=True, default=str, row_key="idempotency_key")
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    set_by = models.CharField(_("set by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("set"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("acknowledged by the portal"), null=True, blank=True)
    refused_code = models.CharField(_("refused by the portal"), max_length=60, blank=True)
    last_error = models.CharField(_("last error"), max_length=120, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.status} {self.created_at:%Y-%m-%d %H:%M}"
