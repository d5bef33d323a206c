from django import forms
from django.utils.translation import gettext_lazy as _

from hikkoshi.directory.constants import Category
from hikkoshi.places.normalise import InvalidPostcode, normalise_address, normalise_postcode

MAX_ADDRESS = 200


class ProviderSearchForm(forms.Form):
    """事業者情報検索: by postal code or address, optionally one category."""

    postcode = forms.CharField(
        label=_("Postal code"),
        required=False,
        max_length=40,
        help_text=_("For example 060-0042."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=MAX_ADDRESS,
        help_text=_("For example 札幌市中央区北1条西2丁目."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories"))] + list(Category.choices),
    )

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        try:
            return normalise_postcode(value)
        except InvalidPostcode as exc:
            raise forms.ValidationError(str(exc), code="postcode") from exc

    def clean_address(self):
        value = normalise_address(self.cleaned_data["address"])
        if any(ord(c) < 32 for c in self.cleaned_data["address"] if c not in "\t\n\r"):
            raise forms.ValidationError(_("The address contains characters that cannot be used."))
        return value

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("postcode") and not data.get("address"):
            raise forms.ValidationError(_("Enter a postal code or an address."), code="empty")
        return data


class OfficeSearchForm(forms.Form):
    """市役所・区役所の検索: part of a prefecture's, city's, ward's or office's name."""

    q = forms.CharField(
        label=_("Municipality or office"),
        required=False,
        max_length=100,
        help_text=_("For example 中央区, 札幌市 or さっぽろ."),
    )

    def clean_q(self):
        value = self.cleaned_data["q"].strip()
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise forms.ValidationError(_("The search contains characters that cannot be used."))
        return value
