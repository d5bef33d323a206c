import re
import time

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
import pytest

PASSWORD = "odori-nishi-3-chome"


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    """Lockout counters and used one-time codes live in the (database) cache: start empty."""
    cache.clear()
    yield
    cache.clear()


def make_user(django_user_model, email, *, password=PASSWORD, verified=True, **extra):
    user = django_user_model.objects.create_user(email, email, password, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def mover(django_user_model):
    return make_user(django_user_model, "mover@example.jp")


@pytest.fixture
def staff(django_user_model):
    return make_user(django_user_model, "operator@example.jp", is_staff=True)


def add_totp(user) -> str:
    """Give ``user`` an authenticator app; its secret (base32)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, step: int = 0) -> str:
    """The authenticator app's code now (``step`` periods later: a code not used yet)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD + step
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client, email, password=PASSWORD, next_url=None):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password})


def link_in(message) -> str:
    """The first link to this portal in a mail, as a path."""
    found = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert found, message.body
    return found.group(1)
