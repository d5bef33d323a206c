"""Staff pages need a second factor used in this session; the admin's own sign-in is no way round."""

from django.contrib.auth.models import Group
from django.test import Client
import pytest

from hikkoshi.accounts.access import is_staff_member
from hikkoshi.accounts.tests.conftest import PASSWORD, add_totp, make_user, sign_in, totp_code


def test_anonymous_visitors_of_the_admin_go_to_the_portals_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"


def test_the_admins_own_sign_in_form_is_gone(client, staff):
    add_totp(staff)
    response = client.post("/admin/login/?next=/admin/", {"username": "operator@example.jp", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302  # still not signed in
    # An unsafe next is dropped.
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_signed_in_mover_is_refused_by_the_admin(client, mover):
    client.force_login(mover)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, staff):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = sign_in(client, "operator@example.jp", next_url="/admin/")
    assert response["Location"] == "/admin/"
    for path in ("/admin/", "/admin/password_change/", "/agency/", "/callcentre/anything/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/", path
    page = client.get("/accounts/2fa/").content.decode()
    assert "Staff pages need a second factor" in page  # the message, shown once
    assert "Staff pages need a second factor" not in client.get("/accounts/2fa/").content.decode()
    # Pages that are not staff pages stay open to them.
    assert client.get("/moves/").status_code == 200


def test_staff_with_an_authenticator_app_reach_the_admin_after_the_code(client, staff):
    secret = add_totp(staff)
    response = sign_in(client, "operator@example.jp", next_url="/admin/")
    assert response["Location"] == "/accounts/2fa/authenticate/"  # the password alone is not enough
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/password_change/").status_code == 200


def test_a_session_without_the_second_factor_must_confirm_it(client, staff):
    """E.g. the factor was set up after signing in: confirm it once, then the admin opens."""
    secret = add_totp(staff)
    client.force_login(staff)
    response = client.get("/admin/?o=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Fadmin%2F%3Fo%3D1"
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/?o=1"
    assert client.get("/admin/?o=1").status_code == 200


def test_the_password_is_not_a_second_factor(client, staff):
    add_totp(staff)
    client.force_login(staff)
    # Confirming with the password (allauth's other way to confirm) does not open staff pages.
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/admin/").status_code == 302


@pytest.mark.urls("hikkoshi.accounts.tests.urls_staff")
def test_staff_required_applies_the_same_rule_anywhere(client, staff, mover):
    url = "/elsewhere/staff-only/"
    assert client.get(url)["Location"].startswith("/accounts/login/?next=")
    client.force_login(mover)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    assert client.get(url)["Location"] == "/accounts/2fa/"
    secret = add_totp(staff)
    reauth = client.get(url)["Location"]
    assert reauth.startswith("/accounts/2fa/reauthenticate/")
    client.post(reauth, {"code": totp_code(secret)})
    assert client.get(url).content == b"staff only"


def test_group_members_are_staff_when_the_settings_say_so(settings, django_user_model):
    agent = make_user(django_user_model, "agent@example.jp")
    agent.groups.add(Group.objects.create(name="agency"))
    assert not is_staff_member(django_user_model.objects.get(pk=agent.pk))
    settings.HIKKOSHI_STAFF_GROUPS = ["agency"]
    assert is_staff_member(django_user_model.objects.get(pk=agent.pk))
    client = Client()
    client.force_login(agent)
    assert client.get("/agency/")["Location"] == "/accounts/2fa/"
    agent.is_active = False
    assert not is_staff_member(agent)
