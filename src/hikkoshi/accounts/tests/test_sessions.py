"""Sessions end: movers' after two weeks, staff's eight hours after signing in."""

from django.conf import settings

from hikkoshi.accounts.tests.conftest import add_totp, sign_in, totp_code


def test_a_movers_session_lasts_two_weeks(client, mover):
    response = sign_in(client, "mover@example.jp")
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert 14 * 24 * 3600 - 60 < client.session.get_expiry_age() <= 14 * 24 * 3600


def test_a_staff_session_ends_eight_hours_after_signing_in(client, staff):
    secret = add_totp(staff)
    sign_in(client, "operator@example.jp", next_url="/admin/")
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert 8 * 3600 - 60 < int(cookie["max-age"]) <= 8 * 3600
    assert client.get("/admin/").status_code == 200
    # Working on does not move the end: it stays eight hours after signing in.
    first = client.session.get_expiry_date()
    client.get("/admin/")
    assert client.session.get_expiry_date() == first
