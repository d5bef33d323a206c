"""The monthly counts in the admin: listed and filtered, never added, changed or deleted."""

from django.contrib import admin
from django.test import Client
import pytest

from hikkoshi.accounts.tests.conftest import add_totp, make_user, totp_code
from hikkoshi.admin_readonly import ReadOnlyAdmin
from hikkoshi.assisted.models import Agency, BillingCount, Store


@pytest.fixture
def count(db):
    agency = Agency.objects.create(name="テスト不動産", status=Agency.Status.ADMITTED)
    store = Store.objects.create(agency=agency, name="札幌駅前店")
    return BillingCount.objects.create(agency=agency, store=store, month="2026-04", count=3)


@pytest.fixture
def admin_site_client(db, django_user_model):
    user = make_user(django_user_model, "admin@example.jp", is_staff=True, is_superuser=True)
    secret = add_totp(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    return client


def test_the_billing_count_admin_is_read_only_with_its_columns_and_filters():
    model_admin = admin.site._registry[BillingCount]
    assert isinstance(model_admin, ReadOnlyAdmin)
    assert model_admin.list_display == ("month", "agency", "store", "count")
    assert model_admin.list_filter == ("agency", "month")


def test_an_administrator_sees_the_counts_and_cannot_add_change_or_delete_them(admin_site_client, count):
    base = "/admin/assisted/billingcount/"
    page = admin_site_client.get(base)
    assert page.status_code == 200
    text = page.content.decode()
    assert "2026-04" in text and "札幌駅前店" in text
    assert f'href="{base}add/"' not in text  # no "add" button
    assert admin_site_client.get(base + "add/").status_code == 403
    assert (
        admin_site_client.post(
            base + "add/", {"agency": count.agency_id, "store": count.store_id, "month": "2026-05", "count": "1"}
        ).status_code
        == 403
    )
    # The change page shows the count read only; posting to it changes nothing.
    assert admin_site_client.get(f"{base}{count.pk}/change/").status_code == 200
    assert (
        admin_site_client.post(
            f"{base}{count.pk}/change/",
            {"agency": count.agency_id, "store": count.store_id, "month": "2026-04", "count": "99"},
        ).status_code
        == 403
    )
    assert admin_site_client.get(f"{base}{count.pk}/delete/").status_code == 403
    assert admin_site_client.post(f"{base}{count.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_site_client.post(
        base, {"action": "delete_selected", "_selected_action": [count.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)  # "no action selected": the action is not offered
    assert list(BillingCount.objects.values_list("month", "count")) == [("2026-04", 3)]
    assert BillingCount.objects.count() == 1


def test_a_call_centres_phone_number_is_checked_and_normalised(db):
    from django.core.exceptions import ValidationError

    from hikkoshi.assisted.models import CallCentre

    centre = CallCentre(name="テスト", phone="０１１（５５５）０１２３")
    centre.full_clean()
    assert centre.phone == "011-555-0123"
    with pytest.raises(ValidationError) as refused:
        CallCentre(name="テスト", phone="12345").full_clean()
    assert "phone" in refused.value.message_dict
