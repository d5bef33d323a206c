"""世帯主 and 続柄 the way the 住民異動届 means them: who heads the household at the new address,
and each person's relationship to that head (not to the person filing); 性別 optional."""

from datetime import timedelta
import re

import pytest

from hikkoshi.accounts.export import account_data
from hikkoshi.assisted.tests.conftest import _fresh_cache, world  # noqa: F401 (fixtures)
from hikkoshi.moves.models import Move
from hikkoshi.moves.selectors import move_record
from hikkoshi.moves.services import move_submit
from hikkoshi.privacy.services import erase_expired, retention_start
from hikkoshi.privacy.tests.conftest import keys  # noqa: F401 (a fixture)
from hikkoshi.privacy.tests.test_erasure import finish

from .conftest import sapporo_relocation
from .test_api import post
from .test_pages import (  # noqa: F401
    base_of,
    details_post,
    move_of,
    people_post,
    places_post,
    post_with_errors,
    signed_in,
    soon,
    start,
    text,
    value_of,
)

HANAKO = {
    "name": "札幌 花子",
    "name_kana": "さっぽろ はなこ",
    "birth_date": "1988-07-07",
    "phone": "090-1234-5678",
    "email": "hanako@example.jp",
    "sex": "female",
}
TARO = {"name": "札幌 太郎", "name_kana": "さっぽろ たろう", "birth_date": "1985-05-05", "sex": "male"}
ICHIRO = {"name": "札幌 一郎", "name_kana": "さっぽろ いちろう", "birth_date": "2015-04-01"}


def family(**overrides) -> dict:
    """The issue's household: 花子 files; 太郎 (moving with her) is the 世帯主, 一郎 their child."""
    return sapporo_relocation(
        **{
            "applicant": dict(HANAKO, relationship="妻"),
            "members": [dict(TARO), dict(ICHIRO, relationship="子")],
            "household": {"head": "members[0]"},
            **overrides,
        }
    )


def test_the_head_is_a_member_and_every_relationship_is_to_the_head(api, sapporo):
    response = post(api, family())
    assert response.status_code == 201, response.content
    move = Move.objects.get(public_id=response.json()["id"])
    assert move.household == {"head": "members[0]"}
    record = move_record(move)
    assert record.head_of_household == "札幌 太郎"
    rows = {p.name: (p.relationship, p.sex) for p in (record.applicant, *record.members)}
    assert rows == {"札幌 花子": ("妻", "female"), "札幌 太郎": ("世帯主", "male"), "札幌 一郎": ("子", "")}


def test_someone_already_living_there_is_the_head_by_name(api, sapporo):
    payload = family(household={"head": "other", "head_name": "北 一子"})
    payload["applicant"]["relationship"] = "子"
    payload["members"] = [dict(ICHIRO, relationship="孫")]
    response = post(api, payload)
    assert response.status_code == 201, response.content
    record = move_record(Move.objects.get(public_id=response.json()["id"]))
    assert record.head_of_household == "北 一子"
    assert [(p.name, p.relationship) for p in (record.applicant, *record.members)] == [
        ("札幌 花子", "子"),
        ("札幌 一郎", "孫"),
    ]


def test_without_household_the_applicant_is_the_head_as_before(api, sapporo):
    response = post(api, sapporo_relocation())  # an older client: no household, no sex, no applicant 続柄
    assert response.status_code == 201, response.content
    move = Move.objects.get(public_id=response.json()["id"])
    record = move_record(move)
    assert move.household == {"head": "applicant"}
    assert record.head_of_household == "札幌 太郎" and record.applicant.relationship == "世帯主"
    assert [m.relationship for m in record.members] == ["妻"]


def test_a_move_stored_before_the_question_keeps_its_relationships(sapporo, mover):
    move = move_submit(owner=mover, payload=sapporo_relocation())
    Move.objects.filter(pk=move.pk).update(household={})
    record = move_record(Move.objects.get(pk=move.pk))
    assert record.head_of_household == "" and record.applicant.relationship == ""
    assert [m.relationship for m in record.members] == ["妻"]


@pytest.mark.parametrize(
    ("household", "change", "paths"),
    [
        ({"head": "members[0]"}, lambda p: p["applicant"].pop("relationship"), {"applicant.relationship"}),
        ({"head": "members[0]"}, lambda p: p["members"][1].pop("relationship"), {"members[1].relationship"}),
        ({"head": "members[2]"}, None, {"household.head"}),
        ({"head": "wife"}, None, {"household.head"}),
        ({"head": "other"}, None, {"household.head_name", "members[0].relationship"}),  # 太郎 has none
        (
            {"head": "other", "head_name": "x" * 41},
            lambda p: p["members"][0].update(relationship="夫"),
            {"household.head_name"},
        ),
        ({"head": "applicant", "head_name": "北 一子"}, None, {"household.head_name", "members[0].relationship"}),
        ({"head": "members[0]", "extra": 1}, None, {"household.extra"}),
        ("members[0]", None, {"household"}),
    ],
)
def test_household_problems_are_named_by_path(api, sapporo, household, change, paths):
    payload = family(household=household)
    if change:
        change(payload)
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 422
    assert {p["name"] for p in response.json()["invalid-params"]} == paths
    assert Move.objects.count() == 0


def test_the_head_s_own_relationship_is_not_kept(sapporo, mover):
    payload = family()
    payload["members"][0]["relationship"] = "夫"  # typed before 太郎 was chosen as the head
    move = move_submit(owner=mover, payload=payload)
    assert "relationship" not in move.members[0]
    assert move_record(move).members[0].relationship == "世帯主"


def test_the_api_describes_the_household(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    body = next(iter(schema["paths"]["/api/v1/moves"]["post"]["requestBody"]["content"].values()))["schema"]
    assert set(body["properties"]["household"]["properties"]) == {"head", "head_name"}
    assert {"sex", "relationship"} <= set(body["properties"]["applicant"]["properties"])
    assert "relationship" not in body["properties"]["members"]["items"]["required"]


def test_erasure_empties_the_household_and_the_export_has_it(keys, sapporo, mover):
    payload = family(household={"head": "other", "head_name": "北 一子"})
    payload["members"][0]["relationship"] = "子"
    move = move_submit(owner=mover, payload=payload)
    exported = account_data(mover)
    assert exported["moves"][0]["household"] == {"head": "other", "head_name": "北 一子"}
    finish(move)
    assert erase_expired(now=retention_start(move) + timedelta(days=30, minutes=1)) == 1
    erased = Move.objects.get(pk=move.pk)
    assert erased.erased_at is not None and erased.household == {}
    assert move_record(erased).head_of_household == ""


# -- the people step -------------------------------------------------------------------------


def people_of_the_issue(head="members[0]", **extra) -> dict:
    data = people_post(
        applicant=dict(HANAKO, relationship="妻"),
        members=(dict(TARO, relationship=""), dict(ICHIRO, relationship="子", sex="")),
    )
    data["household-head"] = head
    data.update(extra)
    return data


def through_procedures(client) -> str:
    base = base_of(start(client))
    assert client.post(base + "places/", places_post())["Location"] == base + "procedures/"
    assert client.post(base + "procedures/", {})["Location"] == base + "people/"
    return base


def test_the_people_step_asks_the_head_and_each_relationship_to_the_head(signed_in, sapporo):
    base = through_procedures(signed_in)
    page = text(signed_in.get(base + "people/"))
    assert 'name="household-head" value="applicant" id="id_household-head_0" checked' in page  # as before
    assert 'name="household-head" value="other"' in page and 'name="household-head_name"' in page
    assert 'name="applicant-relationship"' in page and 'name="applicant-sex"' in page
    assert 'name="member-0-sex"' in page

    assert signed_in.post(base + "people/", people_of_the_issue())["Location"] == base + "details/"
    draft = move_of(base).draft["people"]
    assert draft["household"] == {"head": "members[0]", "head_name": ""}
    page = text(signed_in.get(base + "people/"))
    assert 'value="members[0]" id="id_household-head_1" checked' in page
    assert "(札幌 太郎)" in page  # the radio names the person of the row

    assert signed_in.post(base + "details/", details_post(soon()))["Location"] == base + "review/"
    page = text(signed_in.get(base + "review/"))
    assert "error-summary" not in page
    assert re.search(r"<dt>[^<]*世帯主[^<]*</dt><dd>札幌 太郎</dd>", page)  # the head, by name
    assert re.search(r"<dt>続柄[^<]*</dt><dd>世帯主</dd>", page)  # 太郎's own row
    assert signed_in.post(base + "submit/", {"consent": "1"})["Location"] == base
    record = move_record(move_of(base))
    assert record.head_of_household == "札幌 太郎"
    assert [(p.name, p.relationship) for p in (record.applicant, *record.members)] == [
        ("札幌 花子", "妻"),
        ("札幌 太郎", "世帯主"),
        ("札幌 一郎", "子"),
    ]
    assert record.applicant.sex == "female" and record.members[0].sex == "male"


def test_the_people_step_shows_every_problem_at_once_and_keeps_what_was_typed(signed_in, sapporo):
    base = through_procedures(signed_in)
    data = people_of_the_issue(head="other")
    data["applicant-relationship"] = ""  # not the head, no 続柄
    data["member-1-relationship"] = ""
    data["member-1-birth_date"] = "someday"  # a field error beside the household's
    page = text(post_with_errors(signed_in, base + "people/", data))
    for anchor in (
        "#id_household-head_name",
        "#id_applicant-relationship",
        "#id_member-1-relationship",
        "#id_member-1-birth_date",
    ):
        assert f'href="{anchor}"' in page, anchor
    assert 'id="id_member-1-relationship_error"' in page and 'id="id_household-head_name_error"' in page
    for name, value in data.items():
        if name.startswith(("household-head", "applicant-sex", "member-0-sex", "member-1-sex")):
            continue  # radios and selects
        assert value_of(page, name) == value, name
    assert re.search(r'value="other" id="id_household-head_\d" checked', page)


def test_a_head_chosen_among_the_members_follows_its_row_when_one_is_removed(signed_in, sapporo):
    base = through_procedures(signed_in)
    data = people_of_the_issue(head="members[1]", remove_member="0")  # 一郎 heads; 太郎's row removed
    signed_in.post(base + "people/", data)
    people = move_of(base).draft["people"]
    assert [m["name"] for m in people["members"]] == ["札幌 一郎"]
    assert people["household"]["head"] == "members[0]"
    data = people_of_the_issue(head="members[0]", remove_member="0")  # the head's own row removed
    signed_in.post(base + "people/", data)
    assert move_of(base).draft["people"]["household"]["head"] == ""
    page = text(signed_in.get(base + "people/"))
    assert not any(f'id="id_household-head_{i}" checked' in page for i in range(5))


# -- a returning mover -------------------------------------------------------------------------


def test_a_returning_mover_is_offered_the_details_of_their_last_move(signed_in, sapporo, mover, django_user_model):
    base = through_procedures(signed_in)
    assert 'name="reuse"' not in text(signed_in.get(base + "people/"))  # no move yet: nothing offered
    Move.objects.filter(owner=mover).delete()

    # Someone else's move is never offered; a draft, an erased move neither.
    other = django_user_model.objects.create_user("other@example.jp", "other@example.jp", "pw")
    move_submit(owner=other, payload=family())
    erased = move_submit(owner=mover, payload=sapporo_relocation())
    Move.objects.filter(pk=erased.pk).update(erased_at=erased.submitted_at, applicant={}, members=[])
    base = through_procedures(signed_in)
    assert 'name="reuse"' not in text(signed_in.get(base + "people/"))

    last = move_submit(owner=mover, payload=family())
    page = text(signed_in.get(base + "people/"))
    assert 'name="reuse"' in page and value_of(page, "applicant-name") == ""
    typed = people_post(applicant={"name": "", "phone": "011-222-3333"}, members=())  # a phone typed first
    typed["reuse"] = "1"
    assert signed_in.post(base + "people/", typed)["Location"] == base + "people/#applicant-fieldset"
    page = text(signed_in.get(base + "people/"))
    assert 'name="reuse"' not in page  # offered once, until something is typed
    assert value_of(page, "applicant-name") == "札幌 花子" and value_of(page, "applicant-birth_date") == "1988-07-07"
    assert value_of(page, "applicant-phone") == "011-222-3333"  # what was typed stays
    assert value_of(page, "member-0-name") == "札幌 太郎" and value_of(page, "member-1-relationship") == "子"
    assert 'value="members[0]" id="id_household-head_1" checked' in page
    assert "error-summary" not in page  # to be looked at, not yet checked
    assert last.pk != move_of(base).pk


def test_a_move_entered_for_a_customer_is_never_offered(signed_in, sapporo, mover):
    from hikkoshi.assisted.models import AssistedMove, CallCentre

    entered = move_submit(owner=mover, payload=family())  # the mover works at a call centre, too
    AssistedMove.objects.create(
        move=entered,
        kind=AssistedMove.Kind.CALL_CENTRE,
        entered_by=mover,
        centre=CallCentre.objects.create(name="テストセンター"),
        contact={},
    )
    base = through_procedures(signed_in)
    assert 'name="reuse"' not in text(signed_in.get(base + "people/"))
    data = people_post(applicant={"name": ""}, members=())
    data["reuse"] = "1"  # and a crafted request gets nothing either
    signed_in.post(base + "people/", data)
    assert move_of(base).draft["people"]["applicant"]["name"] == ""


def test_a_customer_s_move_is_not_offered_the_staff_member_s_own(world, sapporo):
    from hikkoshi.assisted.tests.conftest import base_of_consent, new_move, staff_client

    move_submit(owner=world.operator, payload=family())  # the operator's own move, as a mover
    client = staff_client(world, world.operator)
    consent_url = new_move(client, "callcentre")
    assert client.post(consent_url, {"agreed": "on"})["Location"].endswith("/places/")
    base = base_of_consent(consent_url)
    assert client.post(base + "places/", places_post())["Location"] == base + "procedures/"
    client.post(base + "procedures/", {})
    page = text(client.get(base + "people/"))
    assert 'name="applicant-name"' in page and 'name="reuse"' not in page
    assert "札幌 花子" not in page
