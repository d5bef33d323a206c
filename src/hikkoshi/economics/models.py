"""Scenarios of the business model: their cost lines, income lines and usage figures, every
number with its source or marked as an assumption (仮定)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import model


class ScenarioKind(models.TextChoices):
    STANDALONE = model.Kind.STANDALONE.value, _("The portal alone (単独)")
    REGIONAL = (
        model.Kind.REGIONAL.value,
        _("Inside a regional information portal that shares costs (地域情報ポータルに組み込み)"),
    )
    FEDERATED = model.Kind.FEDERATED.value, _("Shared by federated portals (連携ポータルで共同利用)")


class UsageBasis(models.TextChoices):
    ENTERED = "entered", _("Entered by the operator (入力した利用量)")
    MEASURED = "measured", _("Measured: a period of the statistics scaled to a year (実績の年換算)")


SHARE_RANGE = _(
    "「地域情報ポータルの負担割合 (%%)」は 0 以上 100 以下で入力してください（入力: %(value)s）。 / "
    "“Share borne by the regional portal (%%)” must be between 0 and 100 (entered: %(value)s)."
)


class Scenario(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=ScenarioKind,
        default=ScenarioKind.STANDALONE,
        help_text=_("Who bears development, operation and hosting (開発・運用・ホスティングの負担)."),
    )
    shared_percent = models.DecimalField(
        _("share borne by the regional portal (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[
            MinValueValidator(Decimal(0), message=SHARE_RANGE),
            MaxValueValidator(Decimal(100), message=SHARE_RANGE),
        ],
        help_text=_(
            "Regional kind only: the part of development, operation and hosting the regional "
            "information portal pays (地域情報ポータルの負担割合)."
        ),
    )
    portals = models.PositiveSmallIntegerField(
        _("federated portals"),
        default=3,
        validators=[MinValueValidator(2)],
        help_text=_(
            "Federated kind only: how many portals share development, operation and hosting "
            "equally (共同利用するポータル数)."
        ),
    )
    usage_basis = models.CharField(_("usage"), max_length=20, choices=UsageBasis, default=UsageBasis.ENTERED)
    period_start = models.DateField(
        _("period from"),
        null=True,
        blank=True,
        help_text=_("Measured usage: first day of the statistics (集計期間の初日)."),
    )
    period_end = models.DateField(
        _("period to"), null=True, blank=True, help_text=_("Measured usage: last day, included (集計期間の最終日).")
    )
    region = models.CharField(
        _("region"),
        max_length=20,
        blank=True,
        help_text=_("Measured usage: one region's statistics only; empty for all (地域)."),
    )
    include_simulated = models.BooleanField(
        _("include simulated activity"),
        default=False,
        help_text=_("Measured usage: count the activity `hikkoshi stats simulate` made up (シミュレーションを含める)."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        # Out of 0–100 is the field's own error (SHARE_RANGE); here only the regional kind's 0.
        if self.kind == ScenarioKind.REGIONAL and (self.shared_percent or 0) == 0:
            errors["shared_percent"] = _(
                "共有する割合を 0 より大きく 100 以下で入力してください。 / "
                "Enter the regional portal's share: more than 0, at most 100."
            )
        if self.usage_basis == UsageBasis.MEASURED:
            if not self.period_start:
                errors["period_start"] = _("集計期間の初日を入力してください。 / Enter the first day of the period.")
            if not self.period_end:
                errors["period_end"] = _("集計期間の最終日を入力してください。 / Enter the last day of the period.")
            if self.period_start and self.period_end and self.period_end < self.period_start:
                errors["period_end"] = _(
                    "最終日は初日以降にしてください。 / The last day must not be before the first day."
                )
        if errors:
            raise ValidationError(errors)

    def prices(self) -> model.Prices:
        return model.Prices(
            kind=model.Kind(self.kind),
            shared_percent=self.shared_percent,
            portals=self.portals,
            costs={line.item: line.amount for line in self.costs.all()},
            income={line.item: line.amount for line in self.income.all()},
        )


class CostItem(models.TextChoices):
    DEVELOPMENT = "development", _("Development, one-off (開発費用)")
    OPERATION = "operation", _("Operation per year (年間運用経費)")
    HOSTING = "hosting", _("Hosting per year (年間ホスティング費用)")
    PER_CALL = "per_call", _("Call centre, per call (コールセンター 1件あたり)")
    PER_FAX_PAGE = "per_fax_page", _("Fax, per page (FAX 1枚あたり)")
    PER_MAIL = "per_mail", _("Mail, per message (メール 1通あたり)")
    PER_FORM = "per_form", _("Printing and posting, per form (印刷・郵送 1通あたり)")
    UPKEEP = "upkeep_per_organisation", _("Data upkeep, per organisation per year (事業者情報の維持 1事業者・年あたり)")


class IncomeItem(models.TextChoices):
    FEE = "fee_per_application", _("Fee from organisations, per application (申請1件あたり手数料)")
    ASP_AGENCY = "asp_per_agency_month", _("ASP fee, per agency per month (代行ASP 1事業者・月あたり)")
    ASP_STORE = "asp_per_store_month", _("ASP fee, per store per month (代行ASP 1店舗・月あたり)")
    ASP_MOVE = "asp_per_move", _("ASP fee, per move entered by an agency (代行ASP 1件あたり)")
    ADVERTISING = "advertising_per_1000_views", _("Advertising, per 1,000 page views (広告 1,000PVあたり)")
    CONTRIBUTION = "contribution", _("Yearly contribution of a city or regional portal (市・地域ポータルの年間負担金)")


class UsageItem(models.TextChoices):
    MOVES_IN = "moves_in", _("Moves into the city per year (転入 件/年)")
    MOVES_OUT = "moves_out", _("Moves out of the city per year (転出 件/年)")
    MOVES_WITHIN = "moves_within", _("Moves within the city per year (転居 件/年)")
    UPTAKE = "uptake_percent", _("Share of those moves using the portal, % (利用率 %)")
    APPLICATIONS = "applications_per_move", _("Applications per move (1件あたり申請数)")
    CALLS = "calls_per_move", _("Call-centre calls per move (1件あたり電話受付)")
    FAX_PAGES = "fax_pages_per_move", _("Fax pages per move (1件あたりFAX枚数)")
    MAILS = "mails_per_move", _("Mails per move (1件あたりメール数)")
    FORMS = "forms_per_move", _("Forms printed and posted per move (1件あたり印刷・郵送数)")
    PAGE_VIEWS = "page_views_per_move", _("Page views per move (1件あたりページビュー)")
    AGENCY_SHARE = "agency_percent", _("Moves entered by agencies, % (代行入力の割合 %)")
    AGENCIES = "agencies", _("Agencies using the ASP (代行ASP利用事業者数)")
    STORES = "stores", _("Agency stores using the ASP (代行ASP利用店舗数)")
    ORGANISATIONS = "organisations", _("Receiving organisations (受付事業者数)")


AMOUNT_RANGE = _(
    "「円」は 0 以上で入力してください（入力: %(value)s）。 / “Yen” must be 0 or more (entered: %(value)s)."
)
VALUE_RANGE = _(
    "「値」は 0 以上で入力してください（入力: %(value)s）。 / “Value” must be 0 or more (entered: %(value)s)."
)

# Usage figures that are percentages (0–100).
PERCENT_ITEMS = frozenset({UsageItem.UPTAKE, UsageItem.AGENCY_SHARE})

SOURCE_HELP = _(
    "Where the number comes from (出典: document, page, year). Leave empty only when it is an assumption (仮定)."
)


class Figure(models.Model):
    """A number of a scenario with where it comes from. Each kind of figure names its ``item``
    (with its own choices) and its scenario (with its own related name) itself."""

    item = models.CharField(max_length=40)
    source = models.TextField(_("source (出典)"), blank=True, help_text=SOURCE_HELP)
    assumption = models.BooleanField(
        _("assumption (仮定)"), default=False, help_text=_("Tick when the number is assumed, not taken from a source.")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        """The item's label (the concrete model's choices: ``get_item_display``)."""
        field = self._meta.get_field("item")
        return str(dict(getattr(field, "flatchoices", ())).get(self.item, self.item))

    def clean(self) -> None:
        if not self.assumption and not self.source.strip():
            raise ValidationError(
                {
                    "source": _(
                        "出典を入力するか「仮定」にチェックしてください。 / Name the source, or tick “assumption”."
                    )
                }
            )


class Line(Figure):
    """A cost or an income line: an amount in yen."""

    amount = models.DecimalField(
        _("yen (円)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0), message=AMOUNT_RANGE)]
    )

    class Meta:
        abstract = True


class CostLine(Line):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="costs")
    item = models.CharField(_("cost (費用項目)"), max_length=40, choices=CostItem)

    class Meta:
        verbose_name = _("cost line")
        verbose_name_plural = _("cost lines")
        constraints = [models.UniqueConstraint(fields=["scenario", "item"], name="economics_cost_once")]


class IncomeLine(Line):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="income")
    item = models.CharField(_("income (収入項目)"), max_length=40, choices=IncomeItem)

    class Meta:
        verbose_name = _("income line")
        verbose_name_plural = _("income lines")
        constraints = [models.UniqueConstraint(fields=["scenario", "item"], name="economics_income_once")]


class UsageFigure(Figure):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="usage")
    item = models.CharField(_("usage (利用量)"), max_length=40, choices=UsageItem)
    value = models.DecimalField(
        _("value (値)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0), message=VALUE_RANGE)],
    )

    class Meta:
        verbose_name = _("usage figure")
        verbose_name_plural = _("usage figures")
        constraints = [models.UniqueConstraint(fields=["scenario", "item"], name="economics_usage_once")]

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean()
        except ValidationError as error:
            errors.update(error.error_dict)
        if self.item in PERCENT_ITEMS and self.value is not None and self.value > 100:
            errors.setdefault("value", []).append(
                ValidationError(
                    _(
                        "「%(label)s」は 0 以上 100 以下の割合 (%%) で入力してください。 / "
                        "“%(label)s” is a percentage: enter 0 to 100."
                    ),
                    code="percent",
                    params={"label": UsageItem(self.item).label},
                )
            )
        if errors:
            raise ValidationError(errors)
