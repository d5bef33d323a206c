import json

import pytest

from hikkoshi.moves.models import Move, MoveProcedure

from .conftest import moving_day, sapporo_relocation


def post(client, payload, **extra):
    return client.post("/api/v1/moves", json.dumps(payload), content_type="application/json", **extra)


def test_procedures_for_a_move(client, sapporo):
    response = client.get("/api/v1/procedures", {"from": "060-0042", "to": "001-0024"})
    body = response.json()
    assert response.status_code == 200
    assert body["kinds"] == ["relocation"] and body["within_municipality"] is True
    ids = [p["id"] for p in body["procedures"]]
    assert "sapporo-move-in" in ids and "sapporo-move-out" not in ids
    water = next(p for p in body["procedures"] if p["id"] == "sapporo-water-stop")
    assert {f["name"] for f in water["fields"]} == {"customer_number", "stop_date"}
    assert water["optional"] is True and water["preselected"] is True  # the mover chooses
    assert water["end"] == "old" and "members" not in water["shares"]
    newspaper = next(p for p in body["procedures"] if p["id"] == "hokkaido-shimbun-subscription")
    assert newspaper["preselected"] is False and "applicant_birth_date" not in newspaper["shares"]
    assert next(p for p in body["procedures"] if p["id"] == "sapporo-move-in")["optional"] is False
    out = client.get("/api/v1/procedures", {"from": "060-0042", "to": "100-0001"}).json()
    ids = {p["id"] for p in out["procedures"]}
    assert "sapporo-water-stop" in ids and "sapporo-water-start" not in ids  # only stopping in Sapporo


def test_procedures_need_both_postcodes(client, db):
    response = client.get("/api/v1/procedures", {"from": "060-0042"})
    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["to"]


def test_submitting_a_move_stores_it_whole(api, sapporo, mover):
    response = post(api, sapporo_relocation())
    assert response.status_code == 201, response.content
    body = response.json()
    move = Move.objects.get(public_id=body["id"])
    assert move.owner == mover and move.status == "submitted"
    assert move.kinds == ["relocation"]
    assert move.move_date == moving_day()
    assert move.applicant["name_kana"] == "サッポロ\u3000タロウ"
    assert move.applicant["birth_date"] == "1985-05-05"
    assert move.members[0]["name_kana"] == "サッポロ\u3000ハナコ"
    assert move.new_address["full_address"] == "北海道札幌市北区北24条西6丁目1-1"
    statuses = {p["id"]: p["status"] for p in body["procedures"]}
    assert statuses["sapporo-move-in"] == "in_person" and statuses["sapporo-water-start"] == "queued"
    move_in = next(p for p in body["procedures"] if p["id"] == "sapporo-move-in")
    assert move_in["office"]["slug"] == "sapporo-kita-ward"
    assert move_in["organisation"] == "札幌市北区役所 (戸籍住民課)"  # not the city hall
    electricity = MoveProcedure.objects.get(move=move, version__procedure__slug="hepco-electricity-stop")
    assert electricity.values["billing_number"] == "123456789012"
    assert api.get(f"/api/v1/moves/{move.public_id}").json()["id"] == str(move.public_id)


def test_every_invalid_field_is_listed_and_nothing_is_stored(api, sapporo):
    payload = sapporo_relocation()
    payload["applicant"]["name_kana"] = "Sapporo"
    payload["applicant"]["phone"] = "12345"
    payload["members"][0]["birth_date"] = "令和1年4月1日"
    payload["procedures"][2]["fields"]["start_date"] = "someday"
    payload["procedures"].append({"id": "sapporo-move-out", "fields": {}})
    payload["surprise"] = True
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    paths = {p["name"] for p in response.json()["invalid-params"]}
    assert paths == {
        "applicant.name_kana",
        "applicant.phone",
        "members[0].birth_date",
        "procedures[2].fields.start_date",
        "procedures[7].id",
        "surprise",
    }
    assert Move.objects.count() == 0 and MoveProcedure.objects.count() == 0


def test_the_movers_choices_are_kept_and_returned(api, sapporo):
    payload = sapporo_relocation()
    # Gas: arranged already at the old flat; another company at the new one. No newspaper.
    payload["procedures"] = [p for p in payload["procedures"] if not p["id"].startswith("hokkaido-gas")]
    payload["choices"] = {
        "hokkaido-gas-stop": "arranged",
        "hokkaido-gas-start": "other_company",
        "hokkaido-shimbun-subscription": "not_needed",
    }
    response = post(api, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["choices"] == {
        "sapporo-move-in": "apply",
        "sapporo-water-stop": "apply",
        "sapporo-water-start": "apply",
        "hokkaido-shimbun-subscription": "not_needed",
        "hokkaido-gas-stop": "arranged",
        "hokkaido-gas-start": "other_company",
        "hepco-electricity-stop": "apply",
        "hepco-electricity-start": "apply",
    }
    move = Move.objects.get(public_id=body["id"])
    assert move.procedure_choices == body["choices"]
    assert not move.procedures.filter(version__procedure__slug__startswith="hokkaido-gas").exists()  # not sent
    assert api.get(f"/api/v1/moves/{move.public_id}").json()["choices"] == body["choices"]


def test_the_utilities_are_no_longer_required(api, sapporo):
    payload = sapporo_relocation()
    payload["procedures"] = payload["procedures"][:1]  # only the 転居届
    response = post(api, payload)
    assert response.status_code == 201, response.content
    # Without answers: only what was applied for is recorded.
    assert response.json()["choices"] == {"sapporo-move-in": "apply"}


@pytest.mark.parametrize(
    "choices, path",
    [
        ({"hokkaido-gas-stop": "maybe"}, "choices.hokkaido-gas-stop"),  # no such answer
        ({"sapporo-move-in": "not_needed"}, "choices.sapporo-move-in"),  # required: listed, so "apply"
        ({"sapporo-water-stop": "arranged"}, "choices.sapporo-water-stop"),  # listed: applied for here
        ({"sapporo-sapling": "not_needed"}, "choices.sapporo-sapling"),  # not for a 転居
        ({"hokkaido-shimbun-subscription": "apply"}, "choices.hokkaido-shimbun-subscription"),  # not listed
        (["not_needed"], "choices"),
    ],
)
def test_bad_choices_are_named_by_path(api, sapporo, choices, path):
    response = post(api, sapporo_relocation(choices=choices), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert path in {p["name"] for p in response.json()["invalid-params"]}
    assert Move.objects.count() == 0


def test_a_required_procedure_cannot_be_left_out(api, sapporo):
    payload = sapporo_relocation()
    payload["procedures"] = payload["procedures"][1:]
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 422
    problems = {p["name"]: p["reason"] for p in response.json()["invalid-params"]}
    assert "転入届・転居届" in problems["procedures"]


def test_postcode_that_does_not_match_the_city_is_flagged(api, sapporo):
    payload = sapporo_relocation(to={"postcode": "001-0024", "address": "札幌市中央区大通西1丁目"})
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="en")
    problems = {p["name"]: p["reason"] for p in response.json()["invalid-params"]}
    assert "001-0024" in problems["to.address"] and "札幌市北区" in problems["to.address"]


def test_a_late_move_is_warned_about(api, sapporo):
    from datetime import timedelta

    from django.utils import timezone

    moved = timezone.localdate() - timedelta(days=60)
    payload = sapporo_relocation(move_date=moved.isoformat())
    for entry in payload["procedures"][1:]:
        for name in ("stop_date", "start_date"):
            if name in entry["fields"]:
                entry["fields"][name] = moved.isoformat()
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    warned = {w["procedure"] for w in response.json()["warnings"]}
    assert "sapporo-move-in" in warned


@pytest.mark.parametrize(
    "body, content_type",
    [("{", "application/json"), ("[]", "application/json"), ("a=b", "application/x-www-form-urlencoded")],
)
def test_malformed_bodies_are_422(api, sapporo, body, content_type):
    response = api.post("/api/v1/moves", body, content_type=content_type)
    assert response.status_code == 422


def test_tokens_are_required_and_moves_are_private(client, api, sapporo, django_user_model):
    move_id = post(api, sapporo_relocation()).json()["id"]
    anonymous = client.__class__()
    assert anonymous.get(f"/api/v1/moves/{move_id}").status_code == 401
    assert post(anonymous, sapporo_relocation()).status_code == 401
    other = django_user_model.objects.create_user("other@example.jp", "other@example.jp", "x")
    from hikkoshi.accounts.models import ApiToken

    _t, secret = ApiToken.issue(other)
    stranger = client.__class__(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert stranger.get(f"/api/v1/moves/{move_id}").status_code == 404
    assert stranger.get("/api/v1/moves/not-a-uuid").status_code == 404


@pytest.mark.parametrize(
    "postcode, typed, full",
    [
        ("060-0042", "中央区大通西3丁目", "北海道札幌市中央区大通西3丁目"),  # a ward Tokyo has too
        ("001-0024", "北区北24条西6丁目", "北海道札幌市北区北24条西6丁目"),
        ("060-0042", "札幌市大通西3丁目", "北海道札幌市中央区大通西3丁目"),  # the city without its ward
        ("060-0042", "大通西3丁目", "北海道札幌市中央区大通西3丁目"),  # from the town
        ("060-0042", "北海道札幌市中央区大通西3丁目", "北海道札幌市中央区大通西3丁目"),
        ("183-0023", "府中市宮西町1-1", "東京都府中市宮西町1-1"),  # a name two prefectures share
    ],
)
def test_addresses_as_people_type_them(postcode, typed, full):
    from hikkoshi.moves.services import _full_address
    from hikkoshi.places.postcodes import lookup

    assert _full_address(lookup(postcode), typed) == (full, None)


@pytest.mark.parametrize(
    "postcode, typed, other",
    [
        ("060-0042", "札幌市北区北24条", "札幌市北区"),
        ("060-0042", "大阪市北区梅田1丁目", "大阪府大阪市北区"),
        ("060-0042", "小樽市稲穂1丁目", "小樽市"),
    ],
)
def test_an_address_in_another_municipality_is_named(postcode, typed, other):
    from hikkoshi.moves.services import _full_address
    from hikkoshi.places.postcodes import lookup

    assert _full_address(lookup(postcode), typed) == (None, other)


def test_a_draft_begun_on_the_pages_is_no_500_in_the_api(api, sapporo, mover):
    from hikkoshi.moves.services import move_draft_create

    draft = move_draft_create(owner=mover)
    body = api.get(f"/api/v1/moves/{draft.public_id}").json()
    assert body["status"] == "draft" and body["documents"] == []
    assert api.get(f"/api/v1/moves/{draft.public_id}/documents/result.pdf").status_code == 404


def test_the_building_goes_in_the_forms_own_box(api, sapporo):
    from hikkoshi.documents.qr import form_payload
    from hikkoshi.moves.selectors import move_record

    move = Move.objects.get(public_id=post(api, sapporo_relocation()).json()["id"])
    record = move_record(move)
    assert record.new_address.address == "北海道札幌市北区北24条西6丁目1-1"
    assert record.new_address.building == "ハイツ北 201"
    entry = next(e for e in record.procedures if e.slug == "sapporo-move-in")
    assert entry.notification == "relocation"
    assert form_payload(record, entry)["n"][3] == "ハイツ北 201"


def test_a_retry_with_the_same_idempotency_key_stores_nothing_new(api, sapporo):
    first = post(api, sapporo_relocation(), HTTP_IDEMPOTENCY_KEY="call-centre-42")
    again = post(api, sapporo_relocation(), HTTP_IDEMPOTENCY_KEY="call-centre-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Move.objects.count() == 1
    other = post(api, sapporo_relocation(), HTTP_IDEMPOTENCY_KEY="call-centre-43")
    assert other.status_code == 201 and Move.objects.count() == 2
    assert post(api, sapporo_relocation(), HTTP_IDEMPOTENCY_KEY="x" * 101).status_code == 422


def test_errors_django_makes_itself_are_problems_too(api, sapporo, settings):
    response = api.put("/api/v1/moves", "{}", content_type="application/json")
    assert response.status_code == 405 and response["Content-Type"] == "application/problem+json"
    assert "POST" in response["Allow"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("/api/v1/moves", "[" + "0," * 2000 + "0]", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_deeply_nested_json_is_refused_cleanly(api, sapporo):
    response = api.post("/api/v1/moves", "[" * 20000 + "]" * 20000, content_type="application/json")
    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["body"]


@pytest.mark.parametrize("days", [-400, 400])
def test_a_moving_day_far_from_today_is_refused(api, sapporo, days):
    from datetime import timedelta

    from django.utils import timezone

    day = (timezone.localdate() + timedelta(days=days)).isoformat()
    response = post(api, sapporo_relocation(move_date=day))
    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid-params"]] == ["move_date"]


def test_another_ward_of_the_same_city_is_named_even_when_other_cities_have_it():
    from hikkoshi.moves.services import _full_address
    from hikkoshi.places.postcodes import lookup

    assert _full_address(lookup("060-0042"), "北区北24条西6丁目") == (None, "札幌市北区")


def test_dates_of_a_procedure_must_be_around_the_moving_day(api, sapporo):
    from datetime import timedelta

    payload = sapporo_relocation()
    payload["procedures"][2]["fields"]["stop_date"] = (moving_day() + timedelta(days=365)).isoformat()
    payload["procedures"][3]["fields"]["start_date"] = (moving_day() - timedelta(days=60)).isoformat()
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert {p["name"] for p in response.json()["invalid-params"]} == {
        "procedures[2].fields.stop_date",
        "procedures[3].fields.start_date",
    }


def test_the_agreement_to_which_data_goes_where_is_required(api, sapporo, mover):
    payload = sapporo_relocation()
    del payload["consent"]
    for consent in (None, False, "true", 1):
        if consent is not None:
            payload["consent"] = consent
        response = post(api, payload, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422, consent
        assert [p["name"] for p in response.json()["invalid-params"]] == ["consent"]
    assert Move.objects.count() == 0
    payload["consent"] = True
    response = post(api, payload)
    assert response.status_code == 201
    move = Move.objects.get(public_id=response.json()["id"])
    assert move.consent_by == mover and move.consent_at == move.submitted_at
    assert response.json()["consent"] == {"given_at": move.consent_at.isoformat(), "version": move.consent_version}
    assert move.consent_version.startswith("data-sharing/")


def test_the_openapi_document_asks_for_the_agreement(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/moves"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "consent" in body["required"]
    assert body["properties"]["consent"]["type"] == "boolean" and body["properties"]["consent"]["const"] is True
    assert "which data goes where" in schema["paths"]["/api/v1/moves"]["post"]["description"]
