from django.test import Client
import pytest


def test_api_answers_without_session_machinery(client, directory):
    response = client.get("/api/v1/organisations?postcode=0600042")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert response["X-Frame-Options"] == "DENY"


def test_pages_keep_csrf_protection(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    page = browser.get("/")
    token = page.cookies["csrftoken"].value
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_pages_keep_sessions_for_the_admin(admin_client):
    assert admin_client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "header, language",
    [
        ("en-US,en;q=0.9", "en"),
        ("ja-JP", "ja"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr", "ja"),
        ("", "ja"),
        ("*", "ja"),
        ("en;q=0.1, ja;q=0.9", "ja"),
        ("x" * 600, "ja"),
    ],
)
def test_api_language_comes_from_accept_language(client, header, language):
    response = client.get("/api/v1/postcodes/0000000", HTTP_ACCEPT_LANGUAGE=header)
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_api_ignores_the_pages_language_cookie(client, db):
    client.cookies["django_language"] = "en"
    response = client.get("/api/v1/postcodes/0000000", HTTP_ACCEPT_LANGUAGE="ja")
    assert response["Content-Language"] == "ja"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ja")
    assert '<html lang="en">' in page.content.decode()


def test_page_only_middleware_in_a_row_are_skipped_at_once(rf):
    from django.core.handlers.exception import convert_exception_to_response
    from django.http import HttpResponse

    from hikkoshi.api import middleware

    seen = []

    def view(request):
        seen.append((request.path, hasattr(request, "session"), hasattr(request, "_messages")))
        return HttpResponse("ok")

    after = convert_exception_to_response(view)
    known = middleware.KnownBrowserMiddleware(after)
    staff = middleware.StaffSecondFactorMiddleware(convert_exception_to_response(known))
    message = middleware.MessageMiddleware(convert_exception_to_response(staff))
    session = middleware.SessionMiddleware(convert_exception_to_response(message))
    # An API request goes from the first of them straight to what follows the last.
    assert session.api_next is message.api_next is staff.api_next is known.api_next is after
    session(rf.get("/api/v1/postcodes/0600042"))
    page = rf.get("/")
    page.user = None
    session(page)
    assert seen == [("/api/v1/postcodes/0600042", False, False), ("/", True, True)]


def test_api_answers_keep_every_security_header(client, directory):
    response = client.get("/api/v1/organisations?postcode=0600042")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Vary"] == "Accept-Language"
    assert response["Content-Language"] == "ja"
    problem = client.get("/api/v1/nowhere")
    assert problem.status_code == 404
    assert problem["Content-Type"].startswith("application/problem+json")
    assert problem["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in problem
