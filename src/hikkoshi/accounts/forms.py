"""Sign-up and sign-in with an e-mail address as the login ID (ログインID).

The user's ``username`` is the e-mail address in lower case, so signing in does not depend on how
the address was capitalised. Passwords go through Django's password validation: the validators
of ``AUTH_PASSWORD_VALIDATORS``, or Django's usual four where the settings name none.
"""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordMixin
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

EMAIL_MAX_LENGTH = 150  # the username column's length

FALLBACK_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def password_validators():
    return (password_validation.get_default_password_validators()
            or password_validation.get_password_validators(FALLBACK_VALIDATORS))


def login_id(email: str) -> str:
    return email.strip().lower()


class SignUpForm(SetPasswordMixin, forms.Form):
    """はじめての方: an e-mail address and a password typed twice."""

    email = forms.EmailField(
        label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH,
        help_text=_("This is your login ID."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password again"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html(
            password_validators())

    def clean_email(self):
        email = login_id(self.cleaned_data["email"])
        if get_user_model().objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address exists already. Sign in instead."), code="exists")
        return email

    def clean(self):
        data = super().clean()
        self.validate_passwords()
        password = data.get("password2")
        if password and not self.has_error("password2"):
            try:
                password_validation.validate_password(password, self._user(), password_validators())
            except forms.ValidationError as error:
                self.add_error("password2", error)
        return data

    def _user(self):
        email = self.cleaned_data.get("email", "")
        return get_user_model()(username=email, email=email)

    def save(self):
        user = self._user()
        user.set_password(self.cleaned_data["password1"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # signed up at the same moment in another tab
            self.add_error("email", _("An account with this e-mail address exists already. Sign in instead."))
            return None
        return user


class SignInForm(AuthenticationForm):
    """ログイン: the e-mail address (login ID) and the password."""

    username = forms.CharField(
        label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": False}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or the password is not right. Check both and try again."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.pop("autocapitalize", None)

    def clean_username(self):
        return login_id(self.cleaned_data["username"])
