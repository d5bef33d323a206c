"""A portal run as in production (DEBUG off, its own host and HIKKOSHI_PORTAL_URL) prints no
development address on its pages: no ``127.0.0.1``, no ``localhost``, in either language."""

import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)

PAGES = ["/", "/search/?postcode=060-0042", "/offices/", "/accounts/login/", "/accounts/signup/"] + [
    f"/pages/{slug}/" for slug in ("about", "flow", "notes", "terms", "privacy", "contact", "operators")
]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_development_address_in_a_production_render(client, settings, sapporo, lang):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["hikkoshi.example.jp"]
    settings.HIKKOSHI_PORTAL_URL = "https://hikkoshi.example.jp/"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    for path in PAGES:
        response = client.get(path, HTTP_HOST="hikkoshi.example.jp", secure=True)
        assert response.status_code == 200, path
        page = response.content.decode()
        for local in ("127.0.0.1", "localhost"):
            assert local not in page, f"{local} on {path} ({lang})"
