from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language, gettext_lazy as _

from hikkoshi import channels
from hikkoshi.directory.models import Organisation
from hikkoshi.places.move_kind import MoveKind

from .constants import CommonItem, Condition, End, Office, OfficialForm
from .schema import SchemaError, easy, parse_schema


@deconstructible
class JsonListOf:
    """Validates a JSON list whose items come from a fixed set."""

    def __init__(self, choices):
        self.choices = list(choices)

    def __call__(self, value):
        if not isinstance(value, list) or any(v not in self.choices for v in value):
            raise ValidationError(_("Choose from: %(choices)s.") % {"choices": ", ".join(self.choices)}, code="choices")

    def __eq__(self, other):
        return isinstance(other, JsonListOf) and other.choices == self.choices


DEADLINE_DAYS = [MinValueValidator(-366), MaxValueValidator(366)]


def all_common_items() -> list[str]:
    """Every common item but the foreign residents' data: what a procedure receives unless it
    declares less (and what every procedure received before the declaration existed). The
    foreign residents' data (在留カード等の番号 …) goes only where a procedure lists it."""
    return [item for item in CommonItem.values if item != CommonItem.FOREIGN_RESIDENT]


def shared_items(definition: dict) -> list[str]:
    """The common items a procedure's organisation receives, from a stored definition (a
    version made before ``shares`` existed received all of them)."""
    shares = definition.get("shares")
    return list(shares) if isinstance(shares, list) else all_common_items()


def is_required(definition: dict) -> bool:
    """Whether a procedure is required by law (only the 住民異動届); for a version made
    before ``required`` existed, the 住民異動届 form tells."""
    if "required" in definition:
        return bool(definition["required"])
    return definition.get("official_form") == OfficialForm.RESIDENCE_CHANGE


class Procedure(models.Model):
    """A procedure (手続き) a mover may have to do, as editable data.

    Saving a changed definition records a new ``ProcedureVersion``; applications point at the
    version they were made with, so editing never changes what an application was.
    """

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("organisation")
    )
    name = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    move_kinds = models.JSONField(_("move kinds"), default=list, validators=[JsonListOf(MoveKind.values)])
    conditions = models.JSONField(_("conditions"), default=list, blank=True, validators=[JsonListOf(Condition.values)])
    # Only the 住民異動届 (転入届・転居届・転出届) is required by law; every other procedure is
    # offered, with the mover's choice (apply here / arranged / another company / not needed).
    required = models.BooleanField(
        _("required by law"),
        default=False,
        help_text=_(
            "Only the resident registration notifications (住民異動届) are; every other procedure is "
            "offered and the mover chooses."
        ),
    )
    end = models.CharField(
        _("end of the move"),
        max_length=3,
        choices=End.choices,
        blank=True,
        default="",
        help_text=_(
            "Stopping at the old address and starting at the new one are separate "
            "procedures; each applies only where its organisation serves that end."
        ),
    )
    shares = models.JSONField(
        _("common data it receives"),
        default=all_common_items,
        blank=True,
        validators=[JsonListOf(CommonItem.values)],
        help_text=_("Only these common items go to the organisation (with the procedure's own fields)."),
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)
    # The installed channels (``hikkoshi.channels``): a new one needs no migration.
    channel = models.CharField(_("channel"), max_length=10, choices=channels.choices)
    channel_settings = models.JSONField(_("channel settings"), default=dict, blank=True)
    # Deadline relative to the move date, in days: from (negative: before) and to (after).
    # Within a year before or after the move: a rule beyond that is a typing error.
    deadline_from_days = models.SmallIntegerField(
        _("may be done from (days after moving)"), null=True, blank=True, validators=DEADLINE_DAYS
    )
    deadline_to_days = models.SmallIntegerField(
        _("must be done by (days after moving)"), null=True, blank=True, validators=DEADLINE_DAYS
    )
    office = models.CharField(_("where to go"), max_length=20, choices=Office.choices, blank=True)
    official_form = models.CharField(_("official form"), max_length=20, choices=OfficialForm.choices, blank=True)
    what_to_bring = models.TextField(_("what to bring (Japanese, one per line)"), blank=True)
    what_to_bring_en = models.TextField(_("what to bring (English, one per line)"), blank=True)
    source = models.TextField(_("source of the rules"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name

    @property
    def localised_name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else easy(self.name)

    @property
    def schema(self):
        return parse_schema(self.fields)

    def clean(self):
        errors = {}
        try:
            parse_schema(self.fields)
        except SchemaError as exc:
            errors["fields"] = [f"{path}: {message}" for path, message in exc.errors]
        if not self.move_kinds:
            errors["move_kinds"] = [_("Choose at least one kind of move.")]
        if (
            self.deadline_from_days is not None
            and self.deadline_to_days is not None
            and self.deadline_from_days > self.deadline_to_days
        ):
            errors["deadline_to_days"] = [_("The end of the period comes before its start.")]
        if self.required and Condition.OPT_IN in (self.conditions or []):
            errors["conditions"] = [_("A required procedure is always included: it cannot be only on request.")]
        ends = {End.OLD: {MoveKind.MOVE_OUT, MoveKind.RELOCATION}, End.NEW: {MoveKind.MOVE_IN, MoveKind.RELOCATION}}
        if self.end in ends and isinstance(self.move_kinds, list) and not ends[self.end] & set(self.move_kinds):
            errors["end"] = [_("No kind of move chosen above concerns this end of the move.")]
        if channels.in_person(self.channel) and not self.office:
            errors["office"] = [_("A window procedure needs the office to go to.")]
        for message in channels.validate_settings(self.channel, self.channel_settings):
            errors.setdefault("channel_settings", []).append(message)
        if errors:
            raise ValidationError(errors)

    def definition(self) -> dict:
        """Everything an application depends on, as stored in a version."""
        return {
            "slug": self.slug,
            "organisation": self.organisation.slug,
            "name": self.name,
            "name_en": self.name_en,
            "description": self.description,
            "description_en": self.description_en,
            "move_kinds": self.move_kinds,
            "conditions": self.conditions,
            "required": self.required,
            "end": self.end,
            "shares": self.shares,
            "fields": self.fields,
            "channel": self.channel,
            "channel_settings": self.channel_settings,
            "deadline_from_days": self.deadline_from_days,
            "deadline_to_days": self.deadline_to_days,
            "office": self.office,
            "official_form": self.official_form,
            "what_to_bring": self.what_to_bring,
            "what_to_bring_en": self.what_to_bring_en,
            "source": self.source,
        }

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            self.record_version()

    def record_version(self) -> "ProcedureVersion":
        """The version matching the current definition, recorded if it is new."""
        definition = self.definition()
        latest = self.versions.order_by("-number").first()
        if latest and latest.definition == definition:
            return latest
        return ProcedureVersion.objects.create(
            procedure=self, number=(latest.number + 1 if latest else 1), definition=definition
        )

    @property
    def current_version(self) -> "ProcedureVersion":
        return self.versions.order_by("-number").first() or self.record_version()


class ProcedureVersion(models.Model):
    """An immutable snapshot of a procedure's definition (版)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique")]
        ordering = ["procedure", "-number"]

    def __str__(self):
        return f"{self.procedure.slug} v{self.number}"

    @property
    def schema(self):
        return parse_schema(self.definition.get("fields", []))

    @property
    def name(self) -> str:
        return self.definition["name"]

    @property
    def localised_name(self) -> str:
        if get_language() == "en" and self.definition.get("name_en"):
            return self.definition["name_en"]
        return easy(self.definition["name"])
