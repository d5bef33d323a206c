"""Sign-up with a verified e-mail address, sign-in, sign-out, password reset; nothing tells a
stranger whether an address has an account."""

import re

from django.core import mail
from django.test import Client

from hikkoshi.accounts.tests.conftest import PASSWORD, link_in, make_user, sign_in


def text(response) -> str:
    return response.content.decode()


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_sign_up_verify_the_address_then_sign_in(client, db, django_user_model):
    # A password the validators refuse: the page says so beside the field, with a summary.
    response = client.post(
        "/accounts/signup/?next=/moves/", {"email": "New@Example.jp", "password1": "short", "password2": "short"}
    )
    assert response.status_code == 200 and 'class="error-summary"' in text(response)
    assert 'id="id_password1_error"' in text(response) and 'value="New@Example.jp"' in text(response)
    assert django_user_model.objects.count() == 0

    response = client.post(
        "/accounts/signup/?next=/moves/", {"email": "New@Example.jp", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    user = django_user_model.objects.get()
    assert user.username == user.email == "new@example.jp"
    assert user.password.startswith("md5$")  # (the test settings' fast hasher)
    assert client.get("/moves/").status_code == 302  # not signed in before the address is confirmed

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.jp"]
    confirm = link_in(mail.outbox[0])
    assert confirm.startswith("/accounts/confirm-email/")
    page = client.get(confirm)
    assert page.status_code == 200 and 'method="post"' in text(page)  # confirming is a POST
    response = client.post(confirm)
    assert response.status_code == 302
    assert client.get("/moves/").status_code == 200  # signed in by confirming
    assert user.emailaddress_set.get().verified

    client.post("/accounts/logout/")
    assert client.get("/moves/").status_code == 302
    response = sign_in(client, "NEW@example.jp", "wrong password")
    assert response.status_code == 200 and 'role="alert"' in text(response)
    response = sign_in(client, "NEW@example.jp", next_url="/moves/")
    assert response.status_code == 302 and response["Location"] == "/moves/"


def test_an_unverified_address_cannot_sign_in_until_confirmed(client, db, django_user_model):
    make_user(django_user_model, "late@example.jp", verified=False)
    response = sign_in(client, "late@example.jp")
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert client.get("/moves/").status_code == 302
    assert len(mail.outbox) == 1  # a fresh link


def test_signing_up_with_a_known_address_looks_the_same(client, db, django_user_model):
    make_user(django_user_model, "taken@example.jp")
    new = Client().post(
        "/accounts/signup/", {"email": "fresh@example.jp", "password1": PASSWORD, "password2": PASSWORD}
    )
    known = Client().post(
        "/accounts/signup/", {"email": "taken@example.jp", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert django_user_model.objects.filter(email="taken@example.jp").count() == 1
    # The owner of the known address learns of the attempt by mail; the visitor learns nothing.
    assert {m.to[0] for m in mail.outbox} == {"fresh@example.jp", "taken@example.jp"}
    assert without_tokens(text(Client().get(new["Location"]))) == without_tokens(text(Client().get(known["Location"])))


def test_password_reset_by_mail(client, db, django_user_model):
    user = make_user(django_user_model, "forgot@example.jp")
    response = client.post("/accounts/password/reset/", {"email": "forgot@example.jp"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgot@example.jp"]
    link = link_in(mail.outbox[0])
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(form_url, {"password1": "kita-24-jo-nishi-6", "password2": "kita-24-jo-nishi-6"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("kita-24-jo-nishi-6")
    # An unknown address gets the same answer.
    other = Client().post("/accounts/password/reset/", {"email": "nobody@example.jp"})
    assert other.status_code == 302 and other["Location"] == "/accounts/password/reset/done/"


def test_pages_are_japanese_first_and_in_english_on_request(client, db):
    page = text(client.get("/accounts/login/"))
    assert '<html lang="ja">' in page and "ログイン" in page and "メールアドレス" in page
    assert 'class="wizard"' in page and 'for="id_login"' in page  # the portal's form, labelled
    english = text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in english and "Sign in" in english
    signup = text(client.get("/accounts/signup/"))
    assert "パスワード" in signup and 'autocomplete="new-password"' in signup


def test_no_inline_script_or_style_on_the_account_pages(client, mover):
    """The site's CSP allows scripts and styles from its own files only."""
    pages = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    client.force_login(mover)
    pages += ["/accounts/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/", "/accounts/delete/"]
    for url in pages:
        page = text(client.get(url))
        assert " style=" not in page and "<style" not in page, url
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)


def test_mails_to_people_start_with_the_service_name(client, db, settings):
    """Not allauth's 「こんにちは、<host> です!」: the service's name first, its address last."""
    settings.HIKKOSHI_PORTAL_URL = "http://127.0.0.1:8765/"
    client.post("/accounts/signup/", {"email": "greet@example.jp", "password1": PASSWORD, "password2": PASSWORD})
    body = mail.outbox[-1].body
    assert body.startswith("引越し手続きポータル hikkoshi です。\n"), body
    assert "こんにちは" not in body and "127.0.0.1:8765 " in body  # the portal, not the request's host
    assert "http://127.0.0.1:8765/accounts/confirm-email/" in body and "testserver" not in body
    assert body.rstrip().endswith("引越し手続きポータル hikkoshi\nhttp://127.0.0.1:8765/")

    english = Client(headers={"accept-language": "en"})
    english.post("/accounts/password/reset/", {"email": "greet@example.jp"})
    body = mail.outbox[-1].body
    assert body.startswith("This is hikkoshi — moving procedures portal.\n"), body
    assert "Hello from" not in body and body.rstrip().endswith("http://127.0.0.1:8765/")
    assert "http://127.0.0.1:8765/accounts/password/reset/key/" in body and "testserver" not in body


def test_the_service_name_in_mails_can_be_set(client, db, settings):
    settings.HIKKOSHI_PORTAL_NAME = "さっぽろ引越しナビ"
    client.post("/accounts/signup/", {"email": "named@example.jp", "password1": PASSWORD, "password2": PASSWORD})
    assert mail.outbox[-1].body.startswith("さっぽろ引越しナビ です。\n")
