"""Foreign residents (外国人住民): asked on the people step and by the API, stored encrypted,
printed and listed in what to bring, sent only where a procedure receives them."""

from datetime import timedelta

from django.db import connection
from django.utils import translation
import pytest

from hikkoshi.catalogue.models import all_common_items
from hikkoshi.delivery.services import application_data, shared_record
from hikkoshi.documents.tests import pdftools
from hikkoshi.documents.tests.pdftools import needs_poppler
from hikkoshi.moves.foreign import category_label, foreign_resident_check, normalise_card_number
from hikkoshi.moves.models import Move
from hikkoshi.moves.selectors import move_record

from .conftest import sapporo_relocation
from .test_api import post
from .test_pages import (
    AGREE,
    base_of,
    details_post,
    people_post,
    places_post,
    procedures_post,
    soon,
    start,
    text,
    value_of,
)

FOREIGN = {
    "foreign_resident": True,
    "residence_category": "mid_long_term",
    "nationality": "ベトナム",
    "residence_card_number": "ab 1234 5678 cd",
    "residence_status": "技術・人文知識・国際業務",
    "period_of_stay": "5年",
    "stay_expiry": "2029-03-31",
}
SPECIAL = {
    "foreign_resident": True,
    "residence_category": "special_permanent",
    "nationality": "韓国",
    "residence_card_number": "ＸＹ００００１１１１ＺＺ",
}


# -- the rules ---------------------------------------------------------------------------------


def check(person: dict) -> tuple[dict, dict]:
    person, errors = dict(person), dict[str, str]()
    foreign_resident_check(person, "p", errors)
    return person, errors


def test_card_numbers_as_people_type_them():
    assert normalise_card_number("ab 1234-5678 cd") == "AB12345678CD"
    assert normalise_card_number("ＡＢ１２３４５６７８ＣＤ") == "AB12345678CD"
    person, errors = check(FOREIGN)
    assert errors == {} and person["residence_card_number"] == "AB12345678CD"


@pytest.mark.parametrize("number", ["AB1234567CD", "1234567890AB", "AB12345678C", "ABCD12345678", "AB12345678CDE"])
def test_a_card_number_of_another_form_is_refused_naming_the_field(number):
    _person, errors = check(dict(FOREIGN, residence_card_number=number))
    assert list(errors) == ["p.residence_card_number"]
    assert "在留カード等の番号" in errors["p.residence_card_number"]


def test_what_each_category_must_give():
    _person, errors = check({"foreign_resident": True})
    assert set(errors) == {"p.residence_category", "p.nationality"}
    _person, errors = check({"foreign_resident": True, "residence_category": "mid_long_term", "nationality": "中国"})
    assert set(errors) == {"p.residence_card_number", "p.residence_status", "p.stay_expiry"}
    assert check(SPECIAL)[1] == {}  # no 在留資格 or expiry for 特別永住者
    born = {"foreign_resident": True, "residence_category": "transitional_birth", "nationality": "ベトナム"}
    assert check(born)[1] == {}  # no card at all


@pytest.mark.parametrize(
    ("category", "field", "label"),
    [
        ("special_permanent", "residence_status", "在留資格"),
        ("special_permanent", "period_of_stay", "在留期間"),
        ("special_permanent", "stay_expiry", "在留期間の満了の日"),
        ("temporary_refuge", "residence_status", "在留資格"),
        ("transitional_birth", "residence_card_number", "在留カード等の番号"),
    ],
)
def test_only_a_mid_long_term_resident_has_a_status_and_only_a_card_holder_a_number(category, field, label):
    person = {"foreign_resident": True, "residence_category": category, "nationality": "韓国"}
    if category == "special_permanent":
        person["residence_card_number"] = "XY00001111ZZ"
    person[field] = {"stay_expiry": "2029-03-31", "residence_card_number": "AB12345678CD"}.get(field, "永住者")
    with translation.override("ja"):
        _person, errors = check(person)
    assert list(errors) == [f"p.{field}"]
    assert label in errors[f"p.{field}"] and category_label(category) in errors[f"p.{field}"]
    with translation.override("en"):
        _person, errors = check(person)
    assert label in errors[f"p.{field}"] and "leave" in errors[f"p.{field}"]
    mid_long = dict(person, residence_category="mid_long_term", residence_card_number="AB12345678CD")
    assert check(dict(mid_long, residence_status="永住者", stay_expiry="2030-01-01"))[1] == {}


def test_the_fields_are_refused_for_someone_not_a_foreign_resident():
    person, errors = check({"nationality": "ベトナム", "foreign_resident": False})
    assert list(errors) == ["p.nationality"]
    assert "foreign_resident" not in person  # "no" is not kept


# -- the API ----------------------------------------------------------------------------------


def foreign_payload():
    payload = sapporo_relocation()
    payload["applicant"].update(FOREIGN)
    payload["members"][0].update(SPECIAL)
    return payload


def test_api_stores_the_fields_encrypted(api, sapporo):
    response = post(api, foreign_payload())
    assert response.status_code == 201, response.content
    move = Move.objects.get(public_id=response.json()["id"])
    assert move.applicant["residence_card_number"] == "AB12345678CD"
    assert move.applicant["nationality"] == "ベトナム" and move.applicant["foreign_resident"] is True
    assert move.members[0]["residence_category"] == "special_permanent"
    assert move.members[0]["residence_card_number"] == "XY00001111ZZ"
    with connection.cursor() as cursor:
        cursor.execute("SELECT applicant, members FROM moves_move WHERE id = %s", [move.pk])
        raw = " ".join(str(v) for v in cursor.fetchone())
    assert "AB12345678CD" not in raw and "XY00001111ZZ" not in raw and "ベトナム" not in raw


def test_api_lists_every_problem_by_its_path(api, sapporo):
    payload = foreign_payload()
    payload["applicant"]["residence_card_number"] = "AB123"
    del payload["applicant"]["nationality"]
    payload["members"][0] = dict(payload["members"][0], foreign_resident=False)
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 422
    problems = {p["name"]: p["reason"] for p in response.json()["invalid-params"]}
    assert set(problems) == {
        "applicant.residence_card_number",
        "applicant.nationality",
        "members[0].residence_category",
        "members[0].nationality",
        "members[0].residence_card_number",
    }
    assert "英字2桁" in problems["applicant.residence_card_number"]
    assert "国籍・地域" in problems["applicant.nationality"]
    assert not Move.objects.exists()


def test_openapi_describes_the_fields(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    text_ = str(schema)
    for name in ("foreign_resident", "residence_category", "nationality", "residence_card_number", "stay_expiry"):
        assert name in text_
    assert "special_permanent" in text_


# -- what goes where ------------------------------------------------------------------------------


def test_only_a_procedure_receiving_the_item_gets_the_fields(api, sapporo):
    move = Move.objects.get(public_id=post(api, foreign_payload()).json()["id"])
    move_in = move.procedures.get(version__procedure__slug="sapporo-move-in")
    data = application_data(move, move_in)  # the 住民異動届 lists foreign_resident
    assert data["members"][0]["residence_card_number"] == "XY00001111ZZ"
    assert data["applicant"]["residence_card_number"] == "AB12345678CD"
    definition = dict(move_in.version.definition, shares=["applicant_name", "members"])
    move_in.version.definition = definition
    data = application_data(move, move_in)
    assert "residence_card_number" not in data["members"][0] and "nationality" not in data["members"][0]
    assert "residence_card_number" not in data["applicant"]
    record = move_record(move, changes=False)
    assert record.applicant.foreign is not None and record.members[0].foreign is not None
    shared = shared_record(record, frozenset({"applicant_name", "members"}))
    assert shared.applicant.foreign is None and all(m.foreign is None for m in shared.members)
    assert shared_record(record, frozenset({"members", "foreign_resident"})).members[0].foreign is not None


def test_no_procedure_gets_the_fields_by_default():
    assert "foreign_resident" not in all_common_items()


def test_what_to_bring_names_each_card(api, sapporo, mover):
    move = Move.objects.get(public_id=post(api, foreign_payload()).json()["id"])
    record = move_record(move)
    move_in = next(e for e in record.procedures if e.slug == "sapporo-move-in")
    assert any("在留カード" in line and "札幌 太郎" in line for line in move_in.what_to_bring)
    assert any("特別永住者証明書" in line and "札幌 花子" in line for line in move_in.what_to_bring)
    water = next(e for e in record.procedures if e.slug == "sapporo-water-start")
    assert not any("在留カード" in line for line in water.what_to_bring)
    api.force_login(mover)
    page = text(api.get(f"/moves/{move.public_id}/", HTTP_ACCEPT_LANGUAGE="ja"))
    assert "在留カード" in page and "特別永住者証明書" in page


# -- the wizard ---------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, mover):
    client.force_login(mover)
    return client


def foreign_post(person: str, values: dict) -> dict:
    return {f"{person}-{k}": ("on" if v is True else v) for k, v in values.items()}


def test_the_people_step_asks_and_keeps_everything_typed(signed_in, sapporo):
    client = signed_in
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    page = text(client.get(base + "people/"))
    assert 'name="applicant-foreign_resident"' in page and 'name="member-0-foreign_resident"' in page
    assert "外国人住民" in page and 'name="member-0-residence_card_number"' in page

    typed = people_post()
    typed.update(foreign_post("applicant", dict(FOREIGN, residence_card_number="AB-1234")))
    typed.update(foreign_post("member-0", {"foreign_resident": True, "residence_category": "special_permanent"}))
    response = client.post(base + "people/", typed)
    assert response.status_code == 302 and "people" in response["Location"]
    page = text(client.get(response["Location"]))
    assert value_of(page, "applicant-residence_card_number") == "AB-1234"  # nothing typed is lost
    assert value_of(page, "applicant-nationality") == "ベトナム"
    assert 'id="id_applicant-residence_card_number_error"' in page
    assert 'id="id_member-0-nationality_error"' in page and 'id="id_member-0-residence_card_number_error"' in page
    assert "英字2桁" in page and "checked" in page

    typed.update(foreign_post("applicant", FOREIGN))
    typed.update(foreign_post("member-0", SPECIAL))
    response = client.post(base + "people/", typed)
    assert response["Location"] == base + "details/"
    assert client.post(base + "details/", details_post(soon()))["Location"] == base + "review/"
    review = text(client.get(base + "review/"))
    assert "AB12345678CD" in review and "在留カード等の番号" in review and "特別永住者" in review
    response = client.post(base + "review/", AGREE)
    assert response.status_code == 302, text(response)[:2000]
    move = Move.objects.get(public_id=base.split("/")[2])
    assert move.status == "submitted"
    assert move.applicant["residence_card_number"] == "AB12345678CD"
    assert move.members[0]["residence_card_number"] == "XY00001111ZZ"


def test_a_mover_who_is_not_a_foreign_resident_sees_no_rows_for_it(signed_in, sapporo):
    client = signed_in
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    typed = people_post()
    typed["applicant-nationality"] = "typed, then the box left empty"
    assert client.post(base + "people/", typed)["Location"] == base + "details/"
    client.post(base + "details/", details_post(soon()))
    review = text(client.get(base + "review/"))
    assert "在留カード等の番号</dt>" not in review and "typed, then the box" not in review
    assert "氏名</dt>" in review  # (the rows are there, and are terms of a list)
    client.post(base + "review/", AGREE)
    move = Move.objects.get(public_id=base.split("/")[2])
    assert "nationality" not in move.applicant and "foreign_resident" not in move.applicant


def test_the_wizard_refuses_a_status_for_a_special_permanent_resident_keeping_what_was_typed(signed_in, sapporo):
    client = signed_in
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    typed = people_post()
    typed.update(foreign_post("applicant", FOREIGN))
    typed.update(foreign_post("member-0", dict(SPECIAL, residence_status="永住者", stay_expiry="2030-01-31")))
    response = client.post(base + "people/", typed)
    assert response.status_code == 302 and "people" in response["Location"]
    page = text(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ja"))
    assert value_of(page, "member-0-residence_status") == "永住者"  # nothing typed is lost
    assert 'id="id_member-0-residence_status_error"' in page and 'id="id_member-0-stay_expiry_error"' in page
    assert "在留資格は中長期在留者の方だけが入力します（特別永住者の方にはありません）" in page
    assert 'id="id_applicant-residence_status_error"' not in page  # a 中長期在留者 gives it
    # Emptied, the step goes on, and the review page shows no 在留資格 for them.
    typed["member-0-residence_status"] = typed["member-0-stay_expiry"] = ""
    assert client.post(base + "people/", typed)["Location"] == base + "details/"
    client.post(base + "details/", details_post(soon()))
    review = text(client.get(base + "review/"))
    assert "永住者" not in review.replace("特別永住者", "")


def test_the_api_refuses_a_status_for_a_special_permanent_resident(api, sapporo):
    payload = foreign_payload()
    payload["members"][0]["residence_status"] = "永住者"
    response = post(api, payload, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 422
    problems = {p["name"]: p["reason"] for p in response.json()["invalid-params"]}
    assert set(problems) == {"members[0].residence_status"} and "在留資格" in problems["members[0].residence_status"]


def test_a_status_stored_for_another_category_is_never_printed(api, sapporo, mover):
    """A move stored before the rule (特別永住者 with a 在留資格): the 別紙 leaves it out."""
    move = Move.objects.get(public_id=post(api, foreign_payload()).json()["id"])
    move.members = [dict(move.members[0], residence_status="永住者", period_of_stay="永住", stay_expiry="2030-01-31")]
    move.save(update_fields=["members"])
    record = move_record(move, changes=False)
    assert record.members[0].foreign.status == "" and record.members[0].foreign.expiry is None
    assert record.members[0].foreign.period == "" and record.members[0].foreign.card_number == "XY00001111ZZ"
    assert record.applicant.foreign.status == "技術・人文知識・国際業務"


def test_an_expired_period_of_stay_is_a_warning_not_an_error(signed_in, sapporo):
    client = signed_in
    base = base_of(start(client))
    client.post(base + "places/", places_post())  # moving day: in 30 days
    client.post(base + "procedures/", procedures_post())
    typed = people_post()
    expiry = soon(10)
    typed.update(foreign_post("applicant", dict(FOREIGN, stay_expiry=expiry.isoformat())))
    response = client.post(base + "people/", typed)
    assert response["Location"] == base + "details/"  # not refused
    page = text(client.get(base + "details/", HTTP_ACCEPT_LANGUAGE="ja"))
    assert "在留期間の満了の日" in page and "引越し日より前です" in page and "特例期間" in page
    assert f"{expiry.month}月{expiry.day}日" in page
    assert "特例期間" in text(client.get(base + "people/", HTTP_ACCEPT_LANGUAGE="ja"))
    assert "特例期間" in text(client.get(base + "people/", HTTP_ACCEPT_LANGUAGE="en"))
    client.post(base + "details/", details_post(soon()))
    assert "特例期間" in text(client.get(base + "review/", HTTP_ACCEPT_LANGUAGE="ja"))
    # On or after the moving day: nothing said.
    typed.update(foreign_post("applicant", dict(FOREIGN, stay_expiry=(soon() + timedelta(days=1)).isoformat())))
    client.post(base + "people/", typed)
    assert "特例期間" not in text(client.get(base + "details/", HTTP_ACCEPT_LANGUAGE="ja"))


@needs_poppler
def test_the_printed_form_and_guide_of_a_stored_move(api, sapporo, mover):
    move = Move.objects.get(public_id=post(api, foreign_payload()).json()["id"])
    api.force_login(mover)
    pdf = api.get(f"/moves/{move.public_id}/documents/form-sapporo-move-in.pdf", HTTP_ACCEPT_LANGUAGE="ja").content
    pages = [pdftools.squeezed(pdf, page=n) for n in (1, 2, 3)]
    assert "外国人住民の記載事項は別紙" in pages[0]
    assert "AB12345678CD" in pages[1] and "XY00001111ZZ" in pages[1] and "技術・人文知識・国際業務" in pages[1]
    assert "2029年3月31日まで" in pages[1] and "特別永住者" in pages[1]
    # 持ち物: each person's card, by name.
    assert "札幌太郎さんの在留カード" in pages[2] and "札幌花子さんの特別永住者証明書" in pages[2]


def test_every_foreign_resident_field_shows_label_hint_error_then_input(signed_in, sapporo):
    """Issue 12: DADS's order for each field, the same for a date (在留期間の満了の日) as for a text
    (在留資格): the label, the hint, the error, the input; no error below a hint away from its field."""
    client = signed_in
    base = base_of(start(client))
    client.post(base + "places/", places_post())
    client.post(base + "procedures/", procedures_post())
    typed = people_post()
    typed.update(foreign_post("applicant", FOREIGN))
    typed.update(foreign_post("member-0", dict(SPECIAL, residence_status="永住者", stay_expiry="2030-01-31")))
    page = text(client.get(client.post(base + "people/", typed)["Location"], HTTP_ACCEPT_LANGUAGE="ja"))
    for name, label in (("residence_status", "在留資格"), ("stay_expiry", "在留期間の満了の日")):
        field = f"id_member-0-{name}"
        start_at = page.index(f'<label for="{field}">{label}' if name != "stay_expiry" else f'id="{field}_fieldset"')
        order = [
            page.index(label, start_at),
            page.index(f'id="{field}_helptext"', start_at),
            page.index(f'id="{field}_error"', start_at),
            page.index(f'id="{field}"', start_at),
        ]
        assert order == sorted(order), (name, order)
