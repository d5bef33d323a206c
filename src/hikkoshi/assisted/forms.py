"""Forms of the staff pages: a customer's contact, the consent ticks, an agency's new member."""

from dataclasses import replace
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.catalogue.schema import FieldSpec
from hikkoshi.moves.common import ADDRESS, APPLICANT
from hikkoshi.moves.services import clean_address
from hikkoshi.periods import FIRST_DAY, LAST_DAY, within

from .models import AgencyMember

CONTACT_NAME = FieldSpec(
    "name",
    "text",
    "お客様の氏名",
    "Customer's full name",
    "漢字で。姓と名の間に空白。",
    "Family name first, as the customer gives it.",
    required=True,
    max_length=40,
)
CONTACT_KANA = replace(
    next(spec for spec in APPLICANT if spec.name == "name_kana"),
    required=False,
    label="お客様の氏名のフリガナ",
    label_en="Customer's name in kana",
    help="ひらがな・カタカナどちらでも。分かれば入力してください。読みでも検索できるようになります。",
    help_en="Hiragana or katakana, if known: the customer can then be found by the reading too.",
)
CONTACT_PHONE = replace(
    next(spec for spec in APPLICANT if spec.name == "phone"),
    required=False,
    label="お客様の電話番号",
    label_en="Customer's phone number",
    help="",
    help_en="",
)
ADDRESS_HELP = {
    "postcode": ("郵送先の郵便番号", "Of the address the forms are mailed to."),
    "address": (
        "郵送先の住所。都道府県または市区町村から番地まで。",
        "Where the forms are mailed to, from the prefecture or city to the block number.",
    ),
}


def _address_specs(required: bool) -> tuple[FieldSpec, ...]:
    specs = []
    for spec in ADDRESS:
        help_ja, help_en = ADDRESS_HELP.get(spec.name, (spec.help, spec.help_en))
        specs.append(replace(spec, required=required and spec.required, help=help_ja, help_en=help_en))
    return tuple(specs)


class ContactForm(forms.Form):
    """The customer's contact, and (``choices``) for which store or centre a new move is.

    An agency's new move: the store and the customer's contact. A call centre's caller gives
    their contact only once the consent script has been read and their agreement recorded
    (``CallConsentForm`` first): then without ``choices``. The reading (フリガナ) is optional;
    with it, staff find the customer by the reading too (``names``). The postal address is the
    one the forms are mailed to (the call centre's window envelope): required for a call centre,
    optional for an agency.
    """

    where = forms.ChoiceField(label=_("Entered for"))

    def __init__(self, *args, choices=None, address_required: bool, **kwargs):
        super().__init__(*args, **{**kwargs, "prefix": "contact"})
        if choices is None:
            del self.fields["where"]
        else:
            self.fields["where"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField
        self.address_required = address_required
        for spec in (CONTACT_NAME, CONTACT_KANA, *_address_specs(address_required), CONTACT_PHONE):
            self.fields[spec.name] = spec.form_field()
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        typed = {name: (self[name].data or "") for name in ("postcode", "address", "building")}
        if not self.address_required and not (typed["postcode"].strip() or typed["address"].strip()):
            data["address_values"] = {}
            return data
        if any(self.has_error(name) for name in ("postcode", "address", "building")):
            return data
        for name in ("postcode", "address"):
            if not typed[name].strip():
                self.add_error(name, _("Give both the postal code and the address, or neither."))
                return data
        values, errors = clean_address(typed, "contact")
        for path, message in errors.items():
            name = path.partition(".")[2]
            self.add_error(name if name in self.fields else None, message)
        data["address_values"] = values if not errors else {}
        return data

    def contact(self) -> dict:
        """The contact as stored (encrypted) with the move."""
        data = self.cleaned_data
        address = data.get("address_values") or {}
        return {
            "name": " ".join((data.get("name") or "").split()),
            "name_kana": data.get("name_kana") or "",
            "phone": data.get("phone") or "",
            "postcode": address.get("postcode", ""),
            "address": address.get("full_address", ""),
            "building": address.get("building") or "",
        }


class ScriptConsentForm(forms.Form):
    agreed = forms.BooleanField(
        label=_("I read the script to the caller and the caller agreed."),
        required=True,
        error_messages={"required": _("Tick this once you have read the script and the caller agreed.")},
    )


class CallConsentForm(ScriptConsentForm):
    """A new move for a caller: for which centre, and the caller's agreement to the script. It
    asks nothing about the caller: nothing personal is stored before the consent."""

    where = forms.ChoiceField(label=_("Call centre"))
    field_order = ["where", "agreed"]

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = choices


class SheetConsentForm(forms.Form):
    signed = forms.BooleanField(
        label=_("The customer has read and signed the printed consent sheet."),
        required=True,
        help_text=_("Keep the signed sheet as your agency's rules say."),
        error_messages={"required": _("Tick this once the customer has signed the consent sheet.")},
    )


class PhoneConsentForm(forms.Form):
    agreed = forms.BooleanField(
        label=_("I have read this and I agree."),
        required=True,
        error_messages={"required": _("Tick the box to agree, or close this page if you do not.")},
    )


class MemberForm(forms.Form):
    """A new member of an agency, by e-mail address (or another role or store for a member)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_(
            "A work address with no account at hikkoshi yet: it becomes their "
            "login ID, and they get an e-mail to set their password. The address of "
            "a member of your agency changes their role or store. Any other address "
            "that already has an account is refused: an administrator can link "
            "existing accounts."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=AgencyMember.Role.choices, initial=AgencyMember.Role.STAFF)
    store = forms.ChoiceField(
        label=_("Store"),
        required=False,
        help_text=_("Staff see the moves of their store; managers those of every store."),
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.stores = {str(s.pk): s for s in stores}
        self.fields["store"].choices = [("", "—")] + [(str(s.pk), str(s)) for s in stores]

    def clean(self):
        data = super().clean()
        store = self.stores.get(data.get("store") or "")
        if data.get("role") == AgencyMember.Role.STAFF and store is None and not self.has_error("store"):
            self.add_error("store", _("Choose the store of this member of staff."))
        data["store_obj"] = store
        return data


DAILY_DAYS = 92  # a period of at most this many days is charted by day, a longer one by month


class CountsPeriodForm(forms.Form):
    """The period of an agency's figures (GET): from / to, both days included; by default the
    last 12 months (this one and the 11 before) to today. Each error names its field; the typed
    values are kept (a bound form shows them)."""

    start = forms.DateField(
        label=_("Start of the period"),
        required=False,
        help_text=_(
            "The first day, like 2026-04-01. Empty: the 1st of the month 11 months before the end (12 months)."
        ),
        error_messages={"invalid": _("Enter the start of the period as a day, like 2026-04-01.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("End of the period"),
        required=False,
        help_text=_("The last day, like 2027-03-31. Empty: today."),
        error_messages={"invalid": _("Enter the end of the period as a day, like 2027-03-31.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_start(self):
        return self._day("start", _("The start of the period must be a day from 2000-01-01 to 2099-12-31."))

    def clean_end(self):
        return self._day("end", _("The end of the period must be a day from 2000-01-01 to 2099-12-31."))

    def _day(self, name: str, message) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not within(day):
            raise forms.ValidationError(message)
        return day

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        end = data.get("end") or min(timezone.localdate(), LAST_DAY)
        start = data.get("start") or max(_first_of_month_before(end, 11), FIRST_DAY)
        if start > end:
            self.add_error("start", _("The start of the period must not be after its end."))
        data["start"], data["end"] = start, end
        return data


def _first_of_month_before(day: date, months: int) -> date:
    """The first day of the month ``months`` before ``day``'s."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)
