"""The lists of customers' moves on /agency/ and /callcentre/: each page shown is audited (a list
or a search, never the name searched for), and the search is a POST answered with its page, so
a customer's name never goes into a URL."""

import re

import pytest

from hikkoshi.audit.models import AuditEvent

from .conftest import new_move, staff_client

PEOPLE = {"agency": "staff", "callcentre": "operator"}
ROLES = {"agency": "agency", "callcentre": "operator"}


def text(response) -> str:
    return response.content.decode()


def views(user) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(actor_id=user.pk, action="view", move__isnull=True)
        .order_by("pk")
        .values_list("target", "role", "via")
    )


@pytest.mark.parametrize("area", ["agency", "callcentre"])
def test_every_list_and_search_page_is_audited_without_the_name(world, sapporo, area):
    user = getattr(world, PEOPLE[area])
    client = staff_client(world, user)
    new_move(client, area, name="駅前 花子")
    new_move(client, area, name="大通 次郎")
    before = views(user)
    assert client.get(f"/{area}/").status_code == 200
    assert views(user)[len(before) :] == [("list", ROLES[area], "page")]
    assert client.post(f"/{area}/", {"q": "駅前"}).status_code == 200
    assert client.post(f"/{area}/", {"q": "   "}).status_code == 200  # nothing typed: the list
    assert views(user)[len(before) :] == [
        ("list", ROLES[area], "page"),
        ("search", ROLES[area], "page"),
        ("list", ROLES[area], "page"),
    ]
    targets = " ".join(AuditEvent.objects.values_list("target", flat=True))
    assert "駅前" not in targets and "花子" not in targets


@pytest.mark.parametrize("area", ["agency", "callcentre"])
def test_the_search_is_a_post_answered_with_its_page(world, sapporo, area):
    client = staff_client(world, getattr(world, PEOPLE[area]))
    new_move(client, area, name="駅前 花子")
    new_move(client, area, name="大通 次郎")
    page = text(client.get(f"/{area}/"))
    form = re.search(r'<form class="search"[^>]*>.*?</form>', page, flags=re.S).group(0)
    assert 'method="post"' in form and 'name="csrfmiddlewaretoken"' in form and f'action="/{area}/"' in form

    response = client.post(f"/{area}/", {"q": "駅前"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]  # not a redirect
    page = text(response)
    assert "駅前 花子" in page and "大通 次郎" not in page
    assert re.search(r'<input type="search" name="q" id="id_q" value="駅前"', page)  # the term stays typed
    # A name in the URL is not a search (old links and bookmarks show the whole list).
    page = text(client.get(f"/{area}/?q=駅前"))
    assert "駅前 花子" in page and "大通 次郎" in page and 'value="駅前"' not in page


def test_the_search_needs_the_csrf_token(world, sapporo):
    client = staff_client(world, world.staff)
    client.handler.enforce_csrf_checks = True
    assert client.post("/agency/", {"q": "駅前"}).status_code == 403
