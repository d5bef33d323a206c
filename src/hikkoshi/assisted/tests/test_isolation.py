"""Nobody reaches what is not theirs, through the pages or the API: another mover's move, another
store's, another agency's, another call centre's — a 404, and nothing of it in lists, search,
documents or exports. Suspended agencies' staff can no longer sign in or use their tokens."""

import json

from django.test import Client
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.accounts.tests.conftest import PASSWORD, sign_in
from hikkoshi.assisted.models import Agency, AgencyMember, AssistedMove, CallCentre, Operator
from hikkoshi.moves.access import move_visible_to, visible_moves
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import move_submit
from hikkoshi.moves.tests.conftest import sapporo_relocation

from .conftest import base_of_consent, move_at, new_move, staff_client, through_wizard

WIZARD = (
    "",
    "places/",
    "procedures/",
    "people/",
    "details/",
    "review/",
    "delete/",
    "documents/result.pdf",
    "documents/copy.pdf",
    "documents/form-sapporo-move-in.pdf",
)
NAMES = {
    "store": "駅前 客一",
    "other_store": "大通 客二",
    "other_agency": "他社 客三",
    "centre": "電話 客四",
    "other_centre": "他電話 客五",
}
MOVER_NAME = "自分 引越"


def text(response) -> str:
    return response.content.decode()


def token_client(user) -> Client:
    """A token made after the second factor (every staff member here has an authenticator app)."""
    _token, secret = ApiToken.issue(user, name="test", second_factor=True)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def moves(world, sapporo):
    """A submitted move in every place: each store, the other agency, each centre, and a mover's."""
    found = {}
    for key, user, area in (
        ("store", world.staff, "agency"),
        ("other_store", world.other_store_staff, "agency"),
        ("other_agency", world.other_agency_staff, "agency"),
        ("centre", world.operator, "callcentre"),
        ("other_centre", world.other_operator, "callcentre"),
    ):
        client = staff_client(world, user)
        consent_url = new_move(client, area, name=NAMES[key])
        consent = {"action": "sheet", "signed": "on"} if area == "agency" else {"agreed": "on"}
        client.post(consent_url, consent)
        base = base_of_consent(consent_url)
        through_wizard(
            client,
            base,
            applicant={
                "name": NAMES[key],
                "name_kana": "きゃく",
                "birth_date": "1970-01-01",
                "phone": "011-111-1111",
                "email": "",
            },
        )
        found[key] = move_at(consent_url)
    payload = sapporo_relocation()
    payload["applicant"]["name"] = MOVER_NAME
    found["mover"] = move_submit(owner=world.mover, payload=payload)
    return found


PREFIX = {
    "store": "agency",
    "other_store": "agency",
    "other_agency": "agency",
    "centre": "callcentre",
    "other_centre": "callcentre",
    "mover": "moves",
}


def url_of(key, move) -> str:
    return f"/{PREFIX[key]}/moves/{move.public_id}/" if PREFIX[key] != "moves" else f"/moves/{move.public_id}/"


def test_the_policy(world, moves):
    expected = {
        world.staff: {"store"},
        world.other_store_staff: {"other_store"},
        world.manager: {"store", "other_store"},
        world.other_agency_staff: {"other_agency"},
        world.operator: {"centre"},
        world.other_operator: {"other_centre"},
        world.mover: {"mover"},
    }
    for user, keys in expected.items():
        seen = set(visible_moves(user).values_list("public_id", flat=True))
        assert seen == {moves[k].public_id for k in keys}, user
        for key, move in moves.items():
            assert (move_visible_to(user, move.public_id) is not None) == (key in keys), (user, key)
    # Areas: a staff member's own area holds no customer's move; a mover's none of a store's.
    assert not visible_moves(world.staff, area="own").exists()
    assert not visible_moves(world.mover, area="agency").exists()
    assert move_visible_to(world.manager, moves["store"].public_id, area="callcentre") is None
    # Administrators use the admin, not these pages.
    admin = type(world.mover).objects.create_superuser("root@example.jp", "root@example.jp", "x")
    assert not visible_moves(admin).exists()
    assert move_visible_to(world.staff, "not-a-uuid") is None


def test_pages_answer_404_for_what_is_not_yours(world, moves):
    clients = {
        "staff": staff_client(world, world.staff),
        "manager": staff_client(world, world.manager),
        "other_agency": staff_client(world, world.other_agency_staff),
        "operator": staff_client(world, world.operator),
        "mover": staff_client(world, world.mover),
    }
    allowed = {
        "staff": {"store"},
        "manager": {"store", "other_store"},
        "other_agency": {"other_agency"},
        "operator": {"centre"},
        "mover": {"mover"},
    }
    for who, client in clients.items():
        for key, move in moves.items():
            for prefix in ("/moves/", "/agency/moves/", "/callcentre/moves/"):
                mine = key in allowed[who] and prefix == (url_of(key, move).rsplit(str(move.public_id), 1)[0])
                for path in WIZARD:
                    status = client.get(f"{prefix}{move.public_id}/{path}").status_code
                    if mine:
                        assert status in (200, 302), (who, key, prefix, path, status)
                    else:
                        assert status in (403, 404), (who, key, prefix, path, status)
                if not mine:
                    assert client.post(f"{prefix}{move.public_id}/delete/").status_code in (403, 404)
                    assert client.post(f"{prefix}{move.public_id}/submit/", {"consent": "1"}).status_code in (403, 404)
            for extra in (
                "/agency/moves/{}/consent/",
                "/agency/moves/{}/consent/sheet.pdf",
                "/callcentre/moves/{}/consent/",
                "/callcentre/moves/{}/mailing.pdf",
            ):
                url = extra.format(move.public_id)
                owner_area = "agency" if url.startswith("/agency/") else "callcentre"
                if key in allowed[who] and PREFIX[key] == owner_area:
                    continue
                assert client.get(url).status_code in (403, 404), (who, key, url)
    assert Move.objects.count() == len(moves)


def test_lists_and_search_show_nothing_of_others(world, moves):
    pages = {
        staff_client(world, world.staff): ("/agency/", {"store"}),
        staff_client(world, world.manager): ("/agency/", {"store", "other_store"}),
        staff_client(world, world.other_agency_staff): ("/agency/", {"other_agency"}),
        staff_client(world, world.operator): ("/callcentre/", {"centre"}),
        staff_client(world, world.other_operator): ("/callcentre/", {"other_centre"}),
    }
    for client, (url, keys) in pages.items():
        for query in ("", "客", "他", "自分"):
            page = text(client.post(url, {"q": query}) if query else client.get(url))
            for key, name in NAMES.items():
                if key not in keys:
                    assert name not in page and str(moves[key].public_id) not in page, (url, query, key)
            assert MOVER_NAME not in page and str(moves["mover"].public_id) not in page
        # … and their own "my moves" as a private person lists none of the customers'.
        page = text(client.get("/moves/"))
        assert not any(name in page or str(moves[k].public_id) in page for k, name in NAMES.items())
    mover = staff_client(world, world.mover)
    page = text(mover.get("/moves/"))
    assert str(moves["mover"].public_id) in page
    assert not any(str(moves[k].public_id) in page for k in NAMES)
    assert mover.get("/agency/").status_code == 403 and mover.get("/callcentre/").status_code == 403


def test_the_api_carries_the_tokens_users_rights(world, moves):
    allowed = {
        world.staff: {"store"},
        world.manager: {"store", "other_store"},
        world.other_agency_staff: {"other_agency"},
        world.operator: {"centre"},
        world.other_operator: {"other_centre"},
        world.mover: {"mover"},
    }
    for user, keys in allowed.items():
        client = token_client(user)
        for key, move in moves.items():
            detail = client.get(f"/api/v1/moves/{move.public_id}")
            document = client.get(f"/api/v1/moves/{move.public_id}/documents/result.pdf")
            if key in keys:
                assert detail.status_code == 200 and document.status_code == 200, (user, key)
            else:
                assert detail.status_code == 404 and document.status_code == 404, (user, key)
                assert NAMES.get(key, MOVER_NAME) not in detail.content.decode()


def test_exports_hold_ones_own_moves_only(world, moves):
    for user in (world.staff, world.manager, world.operator):
        client = staff_client(world, user)
        data = json.loads(client.get("/accounts/data/").content)
        assert data["moves"] == []  # the customers' moves are the store's or the centre's
        assert data["memberships"] and all(m["active"] for m in data["memberships"])
        body = json.dumps(data, ensure_ascii=False)
        assert not any(name in body for name in NAMES.values()) and MOVER_NAME not in body
    data = json.loads(staff_client(world, world.mover).get("/accounts/data/").content)
    assert [m["id"] for m in data["moves"]] == [str(moves["mover"].public_id)]
    assert data["memberships"] == []


def test_an_ended_membership_or_a_closed_centre_gives_no_access(world, moves):
    staff = staff_client(world, world.staff)
    AgencyMember.objects.filter(user=world.staff).update(active=False)
    assert staff.get(url_of("store", moves["store"])).status_code == 404
    assert token_client(world.staff).get(f"/api/v1/moves/{moves['store'].public_id}").status_code == 404
    assert staff.get("/agency/").status_code == 403
    assert staff.get("/moves/").status_code == 200  # still a mover: an ended membership is no suspension

    operator = staff_client(world, world.operator)
    CallCentre.objects.filter(pk=world.centre.pk).update(active=False)
    # A closed centre: its operators are refused like a suspended agency's staff.
    assert operator.get("/callcentre/").status_code == 403
    assert token_client(world.operator).get(f"/api/v1/moves/{moves['centre'].public_id}").status_code == 401
    assert move_visible_to(type(world.operator).objects.get(pk=world.operator.pk), moves["centre"].public_id) is None


def test_a_suspended_agencys_staff_can_no_longer_sign_in_or_use_tokens(world, moves):
    session = staff_client(world, world.staff)
    assert session.get(url_of("store", moves["store"])).status_code == 200
    token = token_client(world.staff)
    manager_token = token_client(world.manager)
    assert token.get(f"/api/v1/moves/{moves['store'].public_id}").status_code == 200

    Agency.objects.filter(pk=world.agency.pk).update(status=Agency.Status.SUSPENDED)
    # At once: the open session is signed out with the reason, …
    response = session.get("/agency/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and "Access suspended" in text(response)
    assert session.get("/moves/")["Location"].startswith("/accounts/login/")
    # … the tokens stop working, …
    assert token.get(f"/api/v1/moves/{moves['store'].public_id}").status_code == 401
    assert manager_token.get(f"/api/v1/moves/{moves['other_store'].public_id}").status_code == 401
    # … signing in is refused with a clear message (after the password, before the code), …
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(fresh, world.staff.email)
    assert response.status_code == 403 and "Access suspended" in text(response)
    assert fresh.get("/moves/")["Location"].startswith("/accounts/login/")
    # … and nothing of the agency is visible to anyone of it.
    for user in (world.staff, world.manager, world.other_store_staff):
        assert not visible_moves(type(user).objects.get(pk=user.pk)).exists()
    # Other agencies and a wrong password are not affected.
    assert (
        token_client(world.other_agency_staff).get(f"/api/v1/moves/{moves['other_agency'].public_id}").status_code
        == 200
    )
    assert sign_in(Client(), world.staff.email, "wrong password").status_code == 200  # the usual form error

    # Admitted again: everything is back.
    Agency.objects.filter(pk=world.agency.pk).update(status=Agency.Status.ADMITTED)
    assert token.get(f"/api/v1/moves/{moves['store'].public_id}").status_code == 200
    response = sign_in(Client(), world.staff.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"


def test_a_removed_agency_is_like_a_suspended_one_and_a_pending_one_gives_nothing(world, moves):
    Agency.objects.filter(pk=world.agency.pk).update(status=Agency.Status.REMOVED)
    assert sign_in(Client(), world.manager.email).status_code == 403
    Agency.objects.filter(pk=world.agency.pk).update(status=Agency.Status.PENDING)
    response = sign_in(Client(), world.staff.email)
    assert response.status_code == 302  # an ordinary account, until the agency is admitted
    assert not visible_moves(type(world.staff).objects.get(pk=world.staff.pk)).exists()


def test_an_administrator_suspends_an_agency_in_the_admin(world, moves, django_user_model):
    from hikkoshi.accounts.tests.conftest import add_totp, make_user, totp_code

    admin_user = make_user(django_user_model, "admin@example.jp", is_staff=True, is_superuser=True)
    secret = add_totp(admin_user)
    admin = Client()
    admin.force_login(admin_user)
    admin.post("/accounts/2fa/reauthenticate/", {"code": totp_code(secret)})
    response = admin.post(
        "/admin/assisted/agency/", {"action": "make_suspended", "_selected_action": [world.agency.pk]}
    )
    assert response.status_code == 302
    agency = Agency.objects.get(pk=world.agency.pk)
    assert agency.status == "suspended" and agency.status_changed_at
    assert token_client(world.staff).get(f"/api/v1/moves/{moves['store'].public_id}").status_code == 401
    admin.post("/admin/assisted/agency/", {"action": "make_admitted", "_selected_action": [world.agency.pk]})
    assert Agency.objects.get(pk=world.agency.pk).status == "admitted"
    assert admin.get(f"/admin/assisted/agency/{world.agency.pk}/delete/").status_code == 403  # removed, not deleted
    for path in (
        f"/admin/assisted/agency/{world.agency.pk}/change/",
        f"/admin/assisted/callcentre/{world.centre.pk}/change/",
        "/admin/assisted/agencymember/",
        "/admin/assisted/operator/",
        "/admin/assisted/billingcount/",
        "/admin/assisted/assistedmove/",
        "/admin/assisted/agency/add/",
    ):
        assert admin.get(path).status_code == 200, path


def test_deleting_a_staff_account_keeps_the_moves_of_the_store(world, moves):
    move = moves["store"]
    world.staff.delete()
    kept = Move.objects.get(pk=move.pk)
    assert kept.owner is None and AssistedMove.objects.filter(move=kept).exists()
    manager = staff_client(world, world.manager)
    assert manager.get(url_of("store", kept)).status_code == 200
    # A mover's own moves go with their account.
    world.mover.delete()
    assert not Move.objects.filter(pk=moves["mover"].pk).exists()


def test_a_former_staff_member_deletes_their_account_and_the_customers_moves_stay(world, moves):
    AgencyMember.objects.filter(user=world.staff).update(active=False)
    own = move_submit(owner=world.staff, payload=sapporo_relocation())
    client = Client()
    client.force_login(world.staff)
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not Move.objects.filter(pk=own.pk).exists()
    assert Move.objects.filter(pk=moves["store"].pk, owner__isnull=True).exists()
    assert Operator.objects.filter(user=world.operator).exists()
