"""The account page's own forms: a new API token, deleting the account."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_TOKENS = 20  # per user: enough for a few API clients, and a bound on what a session can make


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=100,
        required=False,
        help_text=_("For example the name of the program that will use it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.user.api_tokens.count() >= MAX_TOKENS:
            raise forms.ValidationError(
                _("You have %(count)d tokens, the most an account may have. Revoke one you no longer use first."),
                code="too_many",
                params={"count": MAX_TOKENS},
            )
        return data


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        help_text=_("To confirm that it is you who deletes the account."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not right."), code="wrong_password")
        return password
