"""While staff enter a move for a customer (代行), every step of the wizard and the review page
say for whom (「入力中のお客さま: ○○ 様」) and how the customer agreed; a mover's own move
never does."""

import re

from django.test import Client

from hikkoshi.moves.tests.test_pages import details_post, people_post, places_post, soon

from .conftest import CUSTOMER, base_of_consent, new_move, staff_client

STEPS = ("places/", "procedures/", "people/", "details/", "review/")


def banner(page: str) -> str:
    found = re.search(r'<div class="banner banner--info"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def fill(client, base: str) -> None:
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", {})
    client.post(base + "people/", people_post())
    client.post(base + "details/", details_post(soon()))


def test_every_step_says_for_whom_and_how_the_customer_agreed(world, sapporo):
    client = staff_client(world, world.staff, HTTP_ACCEPT_LANGUAGE="ja")
    consent_url = new_move(client, "agency")
    assert client.post(consent_url, {"action": "sheet", "signed": "on"}).status_code == 302
    base = base_of_consent(consent_url)
    fill(client, base)
    for step in STEPS:
        response = client.get(base + step)
        assert response.status_code == 200, step
        text = banner(response.content.decode())
        assert f"入力中のお客さま: {CUSTOMER['name']} 様" in text, (step, text)
        assert "署名済みの同意書" in text and world.store.name in text, (step, text)


def test_a_call_centre_step_says_the_script_was_read(world, sapporo):
    client = staff_client(world, world.operator, HTTP_ACCEPT_LANGUAGE="en")
    consent_url = new_move(client, "callcentre")
    assert client.post(consent_url, {"agreed": "on"}).status_code == 302
    base = base_of_consent(consent_url)
    text = banner(client.get(base + "places/").content.decode())
    assert f"Entering for the customer: {CUSTOMER['name']}" in text
    assert "Read from the script on the phone" in text and world.centre.name in text


def test_a_movers_own_move_has_no_banner(world, sapporo):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(world.mover)
    response = client.post("/moves/start/", {"start_token": "a" * 20})
    assert response.status_code == 302, response
    base = response["Location"].rsplit("/places/", 1)[0] + "/"
    fill(client, base)
    for step in STEPS:
        page = client.get(base + step).content.decode()
        assert "banner" not in page and "入力中のお客さま" not in page, step
