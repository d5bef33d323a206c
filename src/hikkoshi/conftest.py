"""Fixtures shared by every app's tests."""

from django.utils import translation
from hypothesis import settings as hypothesis_settings
import pytest

from hikkoshi.directory.constants import Category, ContactKind, Verification
from hikkoshi.directory.models import Contact, Organisation, ServiceArea

# The suite gates every change, so its property-based tests run the same examples every time
# (a failure found once is found again). HYPOTHESIS_PROFILE=explore searches afresh.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", max_examples=500)
hypothesis_settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """Each test starts in the portal's default language, whatever an earlier request left."""
    with translation.override("ja"):
        yield


def make_organisation(slug, category, name, areas, contacts=(), **fields):
    """An organisation with its service areas (``"01101"`` or ``("01100", "0600000", "0609999")``)
    and contacts (``(kind, value)``)."""
    org = Organisation.objects.create(slug=slug, category=category, name=name, **fields)
    for area in areas:
        code, start, end = (area, "", "") if isinstance(area, str) else area
        ServiceArea.objects.create(organisation=org, area_code=code, postcode_from=start, postcode_to=end)
    for i, (kind, value) in enumerate(contacts):
        Contact.objects.create(organisation=org, kind=kind, value=value, position=i)
    return org


@pytest.fixture
def directory(db):
    """A small Sapporo directory: the city, two wards, a utility serving part of the city."""
    return {
        "city": make_organisation(
            "city",
            Category.CITY_OFFICE,
            "札幌市役所",
            ["01100"],
            [(ContactKind.PHONE, "011-211-2111")],
            verification=Verification.VERIFIED,
            address="札幌市中央区北1条西2丁目",
            postcode="0608611",
        ),
        "chuo": make_organisation("chuo", Category.WARD_OFFICE, "中央区役所", ["01101"]),
        "kita": make_organisation("kita", Category.WARD_OFFICE, "北区役所", ["01102"]),
        "gas": make_organisation("gas", Category.GAS, "テストガス", [("01100", "0600000", "0609999")]),
        "power": make_organisation("power", Category.ELECTRICITY, "テスト電力", ["01"]),
        "tokyo": make_organisation("tokyo", Category.WARD_OFFICE, "千代田区役所", ["13101"]),
    }


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, signed in the way staff must: verified e-mail, password and
    a code from an authenticator app (the admin needs a second factor)."""
    import time

    from allauth.account.models import EmailAddress
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

    EmailAddress.objects.update_or_create(
        user=admin_user, email=admin_user.email, defaults={"verified": True, "primary": True}
    )
    secret = generate_totp_secret()
    TOTP.activate(admin_user, secret)
    client.post("/accounts/login/", {"login": admin_user.email, "password": "password"})
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302, "the admin's second factor was not accepted"
    return client
