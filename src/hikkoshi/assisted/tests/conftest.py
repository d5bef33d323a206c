"""Fixtures of the call-centre and estate-agency tests: two agencies (one with two stores), two
call centres, their people (each with an authenticator app), and clients signed in with the
second factor, as staff pages need."""

from dataclasses import dataclass
import re

from django.core.cache import cache
from django.test import Client
import pytest

from hikkoshi.accounts.tests.conftest import _fresh_cache, add_totp, make_user, totp_code  # noqa: F401
from hikkoshi.assisted.models import Agency, AgencyMember, CallCentre, Operator, Store
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.moves.models import Move
from hikkoshi.moves.tests.test_pages import details_post, people_post, places_post, soon

CUSTOMER = {
    "name": "小樽 三郎",
    "postcode": "060-0042",
    "address": "札幌市中央区大通西3丁目",
    "building": "ハイツ大通 305",
    "phone": "011-222-3333",
}


@dataclass
class World:
    agency: Agency
    store: Store  # 札幌駅前店 of the agency
    other_store: Store  # 大通店 of the same agency
    other_agency: Agency
    other_agency_store: Store
    centre: CallCentre
    other_centre: CallCentre
    manager: object  # manages the agency
    staff: object  # staff of ``store``
    other_store_staff: object  # staff of ``other_store``
    other_agency_staff: object
    operator: object  # of ``centre``
    other_operator: object  # of ``other_centre``
    mover: object  # an ordinary mover
    secrets: dict  # user pk → TOTP secret


@pytest.fixture
def world(db, django_user_model):
    agency = Agency.objects.create(name="テスト不動産", status=Agency.Status.ADMITTED)
    store = Store.objects.create(agency=agency, name="札幌駅前店")
    other_store = Store.objects.create(agency=agency, name="大通店")
    other_agency = Agency.objects.create(name="ほか不動産", status=Agency.Status.ADMITTED)
    other_agency_store = Store.objects.create(agency=other_agency, name="本店")
    centre = CallCentre.objects.create(name="テスト引越しコールセンター")
    other_centre = CallCentre.objects.create(name="ほかのコールセンター")
    people = {}
    for key, email in (
        ("manager", "manager@agency.example.jp"),
        ("staff", "staff@agency.example.jp"),
        ("other_store_staff", "odori@agency.example.jp"),
        ("other_agency_staff", "staff@other-agency.example.jp"),
        ("operator", "operator@centre.example.jp"),
        ("other_operator", "operator@other.example.jp"),
        ("mover", "mover@example.jp"),
    ):
        people[key] = make_user(django_user_model, email)
    AgencyMember.objects.create(user=people["manager"], agency=agency, role=AgencyMember.Role.MANAGER)
    AgencyMember.objects.create(user=people["staff"], agency=agency, store=store)
    AgencyMember.objects.create(user=people["other_store_staff"], agency=agency, store=other_store)
    AgencyMember.objects.create(user=people["other_agency_staff"], agency=other_agency, store=other_agency_store)
    Operator.objects.create(user=people["operator"], centre=centre)
    Operator.objects.create(user=people["other_operator"], centre=other_centre)
    secrets = {user.pk: add_totp(user) for key, user in people.items() if key != "mover"}
    return World(
        agency, store, other_store, other_agency, other_agency_store, centre, other_centre, secrets=secrets, **people
    )


def staff_client(world: World, user, **defaults) -> Client:
    """A client of ``user`` signed in, with the second factor used in this session."""
    client = Client(**defaults)
    client.force_login(user)
    if user.pk in world.secrets:
        code = totp_code(world.secrets[user.pk])
        response = client.post("/accounts/2fa/reauthenticate/", {"code": code})
        assert response.status_code == 302, response
        # A code works once; the next client of the same person in this test uses it again.
        cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    return client


def new_move(client, area: str, **contact) -> str:
    """A new move for a customer; the URL of its consent page. For a call centre the consent
    comes first (the script read, the caller agreed), then the caller's contact: the move
    returned has both, and its consent page leads on to the wizard."""
    data = {f"contact-{k}": v for k, v in {**CUSTOMER, **contact}.items()}
    if area == "callcentre":
        return new_call(client, data)
    if "contact-where" not in data:
        page = client.get(f"/{area}/moves/new/").content.decode()
        option = re.search(r'<option value="([cs]\d+)"', page)
        assert option is not None, page
        data["contact-where"] = option.group(1)
    response = client.post(f"/{area}/moves/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def new_call(client, data: dict) -> str:
    where = data.pop("contact-where", None)
    if where is None:
        option = re.search(r'<option value="(c\d+)"', client.get("/callcentre/moves/new/").content.decode())
        assert option is not None
        where = option.group(1)
    response = client.post("/callcentre/moves/new/", {"where": where, "agreed": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    contact_url = response["Location"]
    assert contact_url.endswith("/contact/"), contact_url
    response = client.post(contact_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return contact_url.rsplit("/contact/", 1)[0] + "/consent/"


def base_of_consent(url: str) -> str:
    return url.rsplit("/consent/", 1)[0] + "/"


def through_wizard(client, base: str, *, applicant=None, submit=True) -> None:
    """Every step of the wizard of the move at ``base`` (/agency/moves/<id>/), then submit."""
    assert client.post(base + "places/", places_post())["Location"] == base + "procedures/"
    assert (
        client.post(base + "procedures/", {"optional": ["hokkaido-shimbun-subscription"]})["Location"]
        == base + "people/"
    )
    people = people_post() if applicant is None else people_post(applicant=applicant)
    response = client.post(base + "people/", people)
    assert response["Location"] == base + "details/", response
    assert client.post(base + "details/", details_post(soon()))["Location"] == base + "review/"
    if submit:
        assert client.post(base + "submit/", {"consent": "1"})["Location"] == base


def move_at(url: str) -> Move:
    return Move.objects.get(public_id=next(part for part in url.split("/") if len(part) == 36))
