"""Who enters moves for other people (代行申請), and the record of each such move.

- **Call centres** (コールセンター) and their **operators**: an operator enters a move for a caller
  who has no account, reads the consent script to them, and mails them the forms.
- **Estate agencies** (不動産会社, 代行ASP) with their **stores** and **members** (managers and
  staff): the portal's administrators admit, suspend and remove an agency; its managers add and
  remove its staff; staff enter moves for their customers, with the customer's consent.
- **AssistedMove**: made with the move it belongs to; whose move it is (the centre, or the
  agency and store), who entered it, the customer's contact for the mailing (personal data,
  encrypted), and the record of the customer's consent (同意の記録).
- **BillingCount**: moves submitted per agency, store and month, for billing; it holds no
  personal data and no link to a move, so it outlives erasure and deletion.

Who may see which move is decided in ``hikkoshi.moves.access``; who counts as staff and who is
refused at sign-in in ``hikkoshi.accounts.access``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.encryption.fields import EncryptedJSONField


class Agency(models.Model):
    """An estate agency (不動産会社) that enters moves for its customers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be admitted")
        ADMITTED = "admitted", _("Admitted")
        SUSPENDED = "suspended", _("Suspended")
        REMOVED = "removed", _("Removed")

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("estate agency")
        verbose_name_plural = _("estate agencies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def admitted(self) -> bool:
        return self.status == self.Status.ADMITTED


class Store(models.Model):
    """A store (店舗) of an agency; its staff see its moves."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="stores", verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=200)
    # Set by the portal's administrators (empty: settings.HIKKOSHI_STORE_SUBMISSION_LIMITS).
    submissions_per_hour = models.PositiveIntegerField(
        _("submissions per hour"),
        null=True,
        blank=True,
        help_text=_("The most moves the store's staff may submit in an hour; empty: the portal's default."),
    )
    submissions_per_day = models.PositiveIntegerField(
        _("submissions per day"),
        null=True,
        blank=True,
        help_text=_("The most moves the store's staff may submit in 24 hours; empty: the portal's default."),
    )

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="store_name_once_per_agency")]

    def __str__(self):
        return f"{self.agency.name} {self.name}"


class AgencyMember(models.Model):
    """A person working for an agency: a manager (the whole agency) or staff (one store)."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_memberships", verbose_name=_("user")
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members", verbose_name=_("agency"))
    store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("store"),
        help_text=_("Required for staff; a manager sees every store."),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")
        ordering = ["agency__name", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="agency_member_once"),
            models.CheckConstraint(
                condition=Q(role="manager") | Q(store__isnull=False), name="agency_staff_have_a_store"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.agency}, {self.get_role_display()})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.role == self.Role.STAFF and self.store_id is None:
            raise ValidationError({"store": _("Staff belong to a store.")})
        if self.store_id is not None and self.agency_id is not None and self.store.agency_id != self.agency_id:
            raise ValidationError({"store": _("The store must be one of the agency's.")})


class CallCentre(models.Model):
    """A call centre (コールセンター) whose operators enter moves for callers."""

    name = models.CharField(_("name"), max_length=200)
    # The number callers ring, printed on the letter mailed to them (送付状); set by the
    # portal's administrators from the centre's own records, never made up. Empty: the
    # portal's help desk (settings.HIKKOSHI_PORTAL_PHONE), if the operator set one.
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        blank=True,
        help_text=_("The number callers ring, printed on the letter mailed to them; empty: the portal's help desk."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("call centre")
        verbose_name_plural = _("call centres")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from hikkoshi.japanese import InputError, normalise_phone

        if self.phone:
            try:
                self.phone = normalise_phone(self.phone)
            except InputError as error:
                raise ValidationError({"phone": error.message}) from None

    def contact_phone(self) -> str:
        """The number printed for callers: the centre's, else the portal's help desk, else ""."""
        return self.phone or str(getattr(settings, "HIKKOSHI_PORTAL_PHONE", "") or "").strip()


class Operator(models.Model):
    """An operator of a call centre; sees the moves of that centre."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_memberships", verbose_name=_("user")
    )
    centre = models.ForeignKey(
        CallCentre, on_delete=models.CASCADE, related_name="operators", verbose_name=_("call centre")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["centre__name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "centre"], name="operator_once")]

    def __str__(self):
        return f"{self.user} ({self.centre})"


class AssistedMove(models.Model):
    """A move entered for a customer (代行で入力された引越し申請), made with its move.

    ``contact`` is the customer's contact for the mailing (氏名 and the postal address for the
    window envelope, a phone number): personal data, encrypted, emptied with the move's other
    personal data after the retention time (``privacy.services``).

    The customer's consent (本人の同意) is recorded once, before the move can be submitted:
    read from the script by an operator (``script``), a consent sheet (同意書) the customer
    signed (``sheet``), or given by the customer on their own phone (``phone``) through a link
    whose random single-use token is kept only as its SHA-256 digest, until it expires.
    """

    class Kind(models.TextChoices):
        CALL_CENTRE = "callcentre", _("Call centre")
        AGENCY = "agency", _("Estate agency")

    class Method(models.TextChoices):
        SCRIPT = "script", _("Read from the script on the phone")
        SHEET = "sheet", _("Signed consent sheet")
        PHONE = "phone", _("On the customer's own phone")

    move = models.OneToOneField("moves.Move", on_delete=models.CASCADE, related_name="assisted", verbose_name=_("move"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    centre = models.ForeignKey(
        CallCentre, on_delete=models.PROTECT, null=True, blank=True, related_name="moves", verbose_name=_("call centre")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="moves", verbose_name=_("agency")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="moves", verbose_name=_("store")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    contact = EncryptedJSONField(_("customer's contact"), default=dict, blank=True, row_key="move")
    consent_method = models.CharField(_("consent"), max_length=10, choices=Method.choices, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=40, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    consent_at = models.DateTimeField(_("consent recorded"), null=True, blank=True)
    phone_token_digest = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    phone_token_expires_at = models.DateTimeField(_("phone link valid until"), null=True, blank=True)
    phone_confirmed_at = models.DateTimeField(_("confirmed on the phone"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("move entered for a customer")
        verbose_name_plural = _("moves entered for customers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="callcentre", centre__isnull=False, agency__isnull=True, store__isnull=True)
                    | Q(kind="agency", centre__isnull=True, agency__isnull=False, store__isnull=False)
                ),
                name="assisted_move_belongs_to_a_centre_or_a_store",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.move_id}"

    @property
    def consent_recorded(self) -> bool:
        return self.consent_at is not None

    @property
    def phone_link_pending(self) -> bool:
        """A link for the customer's phone was made and can still be used."""
        return bool(
            self.phone_token_digest
            and not self.consent_recorded
            and self.phone_token_expires_at
            and self.phone_token_expires_at > timezone.now()
        )

    @property
    def customer_name(self) -> str:
        return (self.contact or {}).get("name", "")

    @property
    def area(self) -> str:
        """The part of the site the move is handled in: ``agency`` or ``callcentre``."""
        return self.kind

    def consent_url(self) -> str:
        return reverse(f"{self.kind}:consent", kwargs={"public_id": self.move.public_id})

    def entry_url(self) -> str:
        """Where staff go before the wizard, or "" once the move can be entered: the consent
        page until the consent is recorded; for a caller, then the page of their contact (a
        call centre takes it only after the consent: ``services.start_callcentre_move``)."""
        if not self.consent_recorded:
            return self.consent_url()
        if self.kind == self.Kind.CALL_CENTRE and not (self.contact or {}).get("name"):
            return reverse("callcentre:contact", kwargs={"public_id": self.move.public_id})
        return ""

    def extra_documents(self) -> list[dict]:
        """Documents of this move besides those of every move, for the result page."""
        if self.kind == self.Kind.CALL_CENTRE and self.move.erased_at is None:
            return [
                {
                    "label": _("The forms to mail, with the cover letter (PDF)"),
                    "url": reverse("callcentre:mailing", kwargs={"public_id": self.move.public_id}),
                }
            ]
        return []


class BillingCount(models.Model):
    """Moves submitted per agency, store and month (請求用の月次件数); no personal data."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="billing_counts", verbose_name=_("agency")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="billing_counts", verbose_name=_("store"))
    month = models.CharField(_("month"), max_length=7)  # YYYY-MM, Japan time
    count = models.PositiveIntegerField(_("moves submitted"), default=0)

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        ordering = ["-month", "agency__name", "store__name"]
        constraints = [models.UniqueConstraint(fields=["agency", "store", "month"], name="billing_count_once")]

    def __str__(self):
        return f"{self.month} {self.store}: {self.count}"


class NameTerm(models.Model):  # noqa: DJ008 (never shown: digests only)
    """A blind index term of a name of a move entered for a customer (氏名の検索索引).

    Staff find a customer's move by name without the database holding the name in clear, and
    without decrypting every move they may see: each name of the move (the customer's contact,
    the applicant and their reading once submitted) is folded (``hikkoshi.japanese.name_terms``:
    whole and per part) and stored only as a keyed digest (``Keyring.blind``, 16 bytes in hex),
    with the id of the data key it was made with. Written by ``assisted.names`` whenever a name
    is stored, emptied with the move's personal data, rebuilt by ``hikkoshi keys rotate``. Only
    moves entered for customers are indexed: a mover's own move is never searched by staff.
    """

    move = models.ForeignKey("moves.Move", on_delete=models.CASCADE, related_name="+", verbose_name=_("move"))
    # Whose name it is: "contact" (the customer's contact) or "applicant" (the submitted move).
    source = models.CharField(max_length=10)
    kid = models.CharField(max_length=40)  # the data key the term was derived with
    term = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("name search term")
        verbose_name_plural = _("name search terms")
        indexes = [
            # The search: the moves with one of a few terms (the move id from the index only).
            models.Index(fields=["term", "move"], name="assisted_name_term_idx"),
        ]
