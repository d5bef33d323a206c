from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.places.fields import PostcodeField
from hikkoshi.places.municipalities import is_known_area

from .constants import LOCAL_PORTAL, Category, ContactKind, Verification
from .validators import AREA_CODE, validate_area_code, validate_contact, validate_postcode


class Organisation(models.Model):
    """An organisation a mover deals with (事業者・市区町村窓口)."""

    # Its contacts in order, set when ``directory.selectors`` reads organisations in bulk (absent
    # otherwise: ``hasattr`` tells).
    contact_list: list["Contact"]
    # The portal it came from, as the search names it, set with ``contact_list``.
    portal_copy: "PortalCopy | None"
    # A partner's entry asked live (``transfer.checked_portal_entries``, never stored): its areas.
    area_list: list["ServiceArea"]
    # A partner portal's entry is stored as ``<portal>:<its slug>`` (the colon is no slug
    # character, so it never meets a local identifier): up to 40 + 1 + 80 characters.
    slug = models.SlugField(_("identifier"), max_length=121, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    name = models.CharField(_("name"), max_length=200)
    name_kana = models.CharField(_("name in kana"), max_length=200, blank=True)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    postcode = PostcodeField(_("postal code"), blank=True)
    address = models.CharField(_("street address"), max_length=300, blank=True)
    hours = models.TextField(_("opening hours"), blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.TextField(_("source of the data"), blank=True)
    last_checked = models.DateField(_("last checked"), null=True, blank=True)
    verification = models.CharField(
        _("verification"), max_length=20, choices=Verification.choices, default=Verification.SAMPLE
    )
    # Which portal the entry came from: this one, or a partner portal's cache (ポータル間連携).
    portal = models.CharField(_("portal"), max_length=40, default=LOCAL_PORTAL)
    # The organisation's public keys that sign its receipts for the web channel (受付票の署名鍵):
    # a list of Ed25519 JWKs, as the organisation publishes them (hikkoshi receiver:
    # /<slug>/.well-known/receipt-keys.json). Several during a key change.
    receipt_keys = models.JSONField(
        _("receipt keys"),
        default=list,
        blank=True,
        help_text=_(
            "The public keys the organisation signs its receipts with, as a JSON list of "
            'Ed25519 JWKs: [{"kty": "OKP", "crv": "Ed25519", "x": …, '
            '"kid": …}]. Needed for the web channel.'
        ),
    )
    # Days this organisation may take to answer about an application (処理状況) before the admin
    # lists it as waiting too long; empty: ``settings.HIKKOSHI_ANSWER_WAIT_DAYS``.
    answer_wait_days = models.PositiveSmallIntegerField(
        _("days to answer"),
        null=True,
        blank=True,
        help_text=_("Days allowed for the organisation's answer before it is listed as late; empty: the default."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["category", "slug"]
        indexes = [models.Index(fields=["category"])]

    def __str__(self):
        return self.name

    @property
    def is_sample(self) -> bool:
        return self.verification != Verification.VERIFIED

    def clean(self):
        if self.postcode:
            try:
                self.postcode = validate_postcode(self.postcode)
            except ValidationError as exc:
                raise ValidationError({"postcode": exc.messages}) from exc
        if self.last_checked and self.last_checked > timezone.localdate():
            raise ValidationError({"last_checked": [_("This date is in the future.")]})
        if self.receipt_keys in (None, ""):
            self.receipt_keys = []
        problems = receipt_key_problems(self.receipt_keys)
        if problems:
            raise ValidationError({"receipt_keys": problems})


def receipt_key_problems(keys) -> list[str]:
    """What is wrong with a list of receipt keys (translated messages; empty when fine).

    Each must be an Ed25519 public JWK (``kty`` OKP, ``crv`` Ed25519, ``x``) with a ``kid``,
    every ``kid`` once."""
    from hikkoshi.httpsig import JWKError, jwk_to_public_key

    if not isinstance(keys, list):
        return [str(_('Give the receipt keys as a JSON list of JWKs, such as [{"kty": "OKP", …}].'))]
    messages = {
        "not_object": _("Each key must be a JSON object (a JWK)."),
        "kty": _('Only Ed25519 keys are accepted ("kty": "OKP", "crv": "Ed25519").'),
        "private": _('This is a private key (it has "d"): give only the public key.'),
        "x": _('"x" must be the 32-byte public key in base64url.'),
        "kid": _('Each key needs a key id ("kid").'),
        "alg": _('"alg" must be EdDSA.'),
        "use": _('"use" must be sig.'),
    }
    problems = []
    seen = set()
    for n, jwk in enumerate(keys):
        try:
            jwk_to_public_key(jwk)
        except JWKError as exc:
            problems.append(_("Key %(n)d: %(problem)s") % {"n": n + 1, "problem": messages[exc.code]})
            continue
        if jwk["kid"] in seen:
            problems.append(_("Key %(n)d: the key id “%(kid)s” is given twice.") % {"n": n + 1, "kid": jwk["kid"]})
        seen.add(jwk["kid"])
    return problems


class Contact(models.Model):
    """One way to reach an organisation: a phone or fax number, an e-mail or web address."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=300)
    label = models.CharField(_("label"), max_length=200, blank=True)
    verification = models.CharField(
        _("verification"), max_length=20, choices=Verification.choices, default=Verification.SAMPLE
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    @property
    def is_sample(self) -> bool:
        return self.verification != Verification.VERIFIED

    def clean(self):
        try:
            validate_contact(self.kind, self.value)
        except ValidationError as exc:
            raise ValidationError({"value": exc.messages}) from exc


class ServiceArea(models.Model):
    """Where an organisation serves: a municipality, a postal-code range, or both.

    A municipality code of a designated city (01100) covers all its wards; a 2-digit code covers
    a prefecture. With a postal-code range as well, only those codes within the municipality
    are served — a city gas company serves only part of a city.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="areas")
    area_code = models.CharField(
        _("municipality or prefecture code"), max_length=5, blank=True, validators=[validate_area_code]
    )
    postcode_from = PostcodeField(_("postal codes from"), blank=True)
    postcode_to = PostcodeField(_("postal codes to"), blank=True)

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        indexes = [models.Index(fields=["area_code"])]

    def __str__(self):
        rng = f" {self.postcode_from}–{self.postcode_to}" if self.postcode_from else ""
        return f"{self.area_code}{rng}"

    def clean(self):
        errors = {}
        for name in ("postcode_from", "postcode_to"):
            value = getattr(self, name)
            if value:
                try:
                    setattr(self, name, validate_postcode(value))
                except ValidationError as exc:
                    errors[name] = exc.messages
        if bool(self.postcode_from) != bool(self.postcode_to):
            errors["postcode_to"] = [_("A postal-code range needs both ends.")]
        elif self.postcode_from and not errors and self.postcode_from > self.postcode_to:
            errors["postcode_to"] = [_("The end of the range comes before its start.")]
        if not self.area_code and not self.postcode_from:
            errors["area_code"] = [_("Give a municipality code, a postal-code range, or both.")]
        elif AREA_CODE.match(self.area_code or "") and not is_known_area(self.area_code):
            errors["area_code"] = [_("No prefecture or municipality has the code %(code)s.") % {"code": self.area_code}]
        if errors:
            raise ValidationError(errors)

    def covers(self, municipality_code: str, registration_code: str, postcode: str) -> bool:
        """Whether this area covers a place (ward code, its city's code, postal code)."""
        if self.area_code:
            if len(self.area_code) == 2:
                if not municipality_code.startswith(self.area_code):
                    return False
            elif self.area_code not in (municipality_code, registration_code):
                return False
        if self.postcode_from:
            return bool(postcode) and self.postcode_from <= postcode <= self.postcode_to
        return True


class PortalCopy(models.Model):
    """The copy of a partner portal's directory kept here (連携先ポータルの事業者情報の写し): its
    entries are the organisations whose ``portal`` is this ``portal``; the copy is replaced whole
    (``transfer.replace_portal_copy``). ``areas`` are the places the partner served when the
    copy was taken: there its entries win over this portal's own (``selectors``)."""

    portal = models.CharField(_("portal"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    areas = models.JSONField(_("served areas"), default=list, blank=True)
    # The partner's ETag of the copy (sent back in If-None-Match), when the copy was taken, and
    # when the partner last said it was unchanged (a 304: nothing is rewritten).
    etag = models.CharField(_("ETag"), max_length=200, blank=True)
    copied_at = models.DateTimeField(_("copied at"))
    checked_at = models.DateTimeField(_("last checked"))

    class Meta:
        verbose_name = _("copy of a partner portal's directory")
        verbose_name_plural = _("copies of partner portals' directories")
        ordering = ["portal"]

    def __str__(self):
        return self.name or self.portal


class DirectoryRevision(models.Model):  # noqa: DJ008 (one row, never shown by itself)
    """A stamp renewed by every change to the directory or to the procedure catalogue (whose
    index by area is built from both: ``catalogue.selectors``), in the same transaction.

    Each web process keeps the directory in memory (it is small and read on every search) and
    reloads it when the stamp has changed: one indexed read per search instead of building and
    running ORM queries, and no process ever serves data older than the last commit. The stamp is
    random, not a counter, so a rolled-back change can never make an old stamp come back.
    """

    stamp = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("directory revision")
