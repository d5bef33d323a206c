"""Every page under /accounts/, /moves/, /agency/, /callcentre/ and /consent/ refuses a POST
without the CSRF token (403), and every form that posts on those pages carries the token. The URL
patterns are enumerated, not listed."""

import re

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.accounts.tests.conftest import PASSWORD, add_totp
from hikkoshi.assisted.tests.conftest import world  # noqa: F401  (agencies, centres and their people)
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.moves.models import Move

AREAS = ("accounts/", "moves/", "agency/", "callcentre/", "consent/")


def patterns(resolver=None, prefix="", namespace="", params=()):
    """(route, name with its namespace, parameter names) of every URL pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        names = (*params, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from patterns(entry, route, inner, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, namespace + entry.name, names


def area_urls(values: dict) -> list[str]:
    urls = set()
    for route, name, params in patterns():
        if route.startswith(AREAS):
            urls.add(reverse(name, kwargs={p: values[p] for p in params}))
    return sorted(urls)


@pytest.fixture
def values(mover):
    move = Move.objects.create(owner=mover)
    token, _secret = ApiToken.issue(mover)
    return {
        "public_id": move.public_id,
        "token_id": token.pk,
        "name": "result.pdf",
        "key": "abc",
        "uidb36": "1",
        "pk": 1,
        "member_id": 1,
        "slug": "sapporo-move-in",
        "provider_id": "sapporo",  # a partner portal's provider (hikkoshi.federation.signin)
        "peer": "kansai",  # a partner portal (the hand-over pages)
    }


def test_every_page_refuses_a_post_without_the_token(mover, values):
    urls = area_urls(values)
    assert "/accounts/delete/" in urls and "/accounts/2fa/totp/activate/" in urls  # enumerated
    assert f"/moves/{values['public_id']}/delete/" in urls
    assert {
        "/agency/moves/new/",
        "/agency/staff/add/",
        "/callcentre/moves/new/",
        "/consent/",
        f"/agency/moves/{values['public_id']}/consent/",
        f"/callcentre/moves/{values['public_id']}/review/",
        "/agency/staff/1/remove/",
    } <= set(urls)
    add_totp(mover)
    for signed_in in (False, True):
        client = Client(enforce_csrf_checks=True)
        if signed_in:
            client.force_login(mover)
        for url in urls:
            assert client.post(url, {"password": "x", "email": "a@example.jp"}).status_code == 403, url
    assert type(mover).objects.filter(pk=mover.pk).exists()
    assert Move.objects.filter(owner=mover).count() == 1 and mover.api_tokens.count() == 1


def test_every_form_that_posts_carries_the_token(mover, values):
    client = Client(enforce_csrf_checks=True)
    checked, seen = 0, set()
    for state in ("anonymous", "signed in", "password just confirmed"):
        if state == "signed in":
            client.force_login(mover)
        elif state == "password just confirmed":  # opens the second-factor set-up pages
            client.handler.enforce_csrf_checks = False
            client.post("/accounts/reauthenticate/", {"password": PASSWORD})
            client.handler.enforce_csrf_checks = True
        for url in area_urls(values):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            page = response.content.decode()
            seen.add(url)
            for form in re.findall(r"<form\b[^>]*>.*?</form>", page, flags=re.S):
                if re.search(r'method="post"', form, flags=re.I):
                    assert 'name="csrfmiddlewaretoken"' in form, (url, form[:200])
                    checked += 1
    assert {"/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/", "/accounts/delete/"} <= seen
    assert checked > 20


def test_the_staff_pages_refuse_a_post_without_the_token_and_their_forms_carry_it(world, sapporo):
    """The same for a manager of an agency and an operator of a call centre, signed in with
    their second factor, on their moves (one waiting for the customer's consent, one past it)
    and on the customer's phone page."""
    from hikkoshi.assisted.models import AgencyMember
    from hikkoshi.assisted.services import issue_phone_link
    from hikkoshi.assisted.tests.conftest import move_at, new_move, staff_client, through_wizard

    member = AgencyMember.objects.get(user=world.staff)
    checked, seen = 0, set()
    token = None
    for user, area, consent in (
        (world.manager, "agency", {"action": "sheet", "signed": "on"}),
        (world.operator, "callcentre", {"agreed": "on"}),
    ):
        client = staff_client(world, user)
        waiting = move_at(new_move(client, area))
        ready_url = new_move(client, area)
        client.post(ready_url, consent)
        ready = move_at(ready_url)
        through_wizard(client, ready_url.rsplit("/consent/", 1)[0] + "/", submit=False)
        if area == "agency":
            token = issue_phone_link(waiting.assisted)
        urls = set()
        for move in (waiting, ready):
            values = {
                "public_id": move.public_id,
                "name": "result.pdf",
                "member_id": member.pk,
                "slug": "sapporo-move-in",
            }
            urls |= {
                url
                for route, name, params in patterns()
                if route.startswith((f"{area}/", "consent/"))
                for url in [reverse(name, kwargs={p: values[p] for p in params})]
            }
        client.handler.enforce_csrf_checks = True
        for url in sorted(urls):
            assert (
                client.post(
                    url,
                    {
                        "action": "sheet",
                        "signed": "on",
                        "agreed": "on",
                        "consent": "1",
                        "email": "a@example.jp",
                        "role": "staff",
                    },
                ).status_code
                == 403
            ), url
        assert (
            AgencyMember.objects.get(pk=member.pk).active
            and not ready.__class__.objects.filter(pk=ready.pk, status="submitted").exists()
        )
        for url in sorted(urls):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            seen.add(url.replace(str(waiting.public_id), "<waiting>").replace(str(ready.public_id), "<ready>"))
            for form in re.findall(r"<form\b[^>]*>.*?</form>", response.content.decode(), flags=re.S):
                if re.search(r'method="post"', form, flags=re.I):
                    assert 'name="csrfmiddlewaretoken"' in form, (url, form[:200])
                    checked += 1
    phone = Client(enforce_csrf_checks=True)
    page = phone.get(f"/consent/?t={token}").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert phone.post("/consent/", {"t": token, "agreed": "on"}).status_code == 403
    assert {
        "/agency/",
        "/agency/moves/new/",
        "/agency/moves/<waiting>/consent/",
        "/agency/staff/",
        f"/agency/staff/{member.pk}/remove/",
        "/agency/moves/<ready>/review/",
        "/callcentre/moves/new/",
        "/callcentre/moves/<waiting>/consent/",
        "/callcentre/moves/<ready>/people/",
    } <= seen, seen
    assert checked > 15
