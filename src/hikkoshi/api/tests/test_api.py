import json

import pytest

PROBLEM = "application/problem+json"


def get(client, url, lang="ja"):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
    return response, json.loads(response.content)


def test_postcode_lookup(client):
    response, body = get(client, "/api/v1/postcodes/〒060-0042")
    assert response.status_code == 200
    assert body["municipality_code"] == "01101"
    assert body["lg_code"] == "011011"
    assert body["city"] == "札幌市" and body["city_code"] == "01100"
    assert body["town"] == "大通西"
    assert body["in_region"] is True
    assert "札幌市中央区" in response.content.decode()  # UTF-8, not \u escapes


@pytest.mark.parametrize("lang, title", [("ja", "郵便番号が見つかりません"), ("en", "Unknown postal code")])
def test_unknown_postcode_is_a_404_problem_in_the_language_asked(client, lang, title):
    response, body = get(client, "/api/v1/postcodes/0000000", lang)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response["Content-Language"] == lang
    assert body["status"] == 404
    assert body["title"] == title
    assert body["invalid-params"][0]["name"] == "postcode"


@pytest.mark.parametrize("bad", ["abc", "060-00", "06000421", "%E2%80%8B"])
def test_malformed_postcode_is_a_422_problem(client, bad):
    response, body = get(client, f"/api/v1/postcodes/{bad}", "en")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert body["type"].endswith("/invalid-postcode")
    assert body["invalid-params"] == [{"name": "postcode", "reason": body["detail"]}]


def test_organisation_search(client, directory):
    response, body = get(client, "/api/v1/organisations?postcode=060-0042")
    assert response.status_code == 200
    ids = [o["id"] for o in body["organisations"]]
    assert ids == ["city", "chuo", "power", "gas"]
    assert body["place"]["municipality_code"] == "01101"
    city = body["organisations"][0]
    assert city["portal"] == "local"
    assert city["origin"] == {"id": "sapporo", "name": "札幌", "copied_at": None} and city["sample"] is False
    assert city["contacts"] == [{"kind": "phone", "value": "011-211-2111", "label": "", "sample": True}]
    assert body["organisations"][1]["sample"] is True


def test_search_by_category(client, directory):
    _response, body = get(client, "/api/v1/organisations?postcode=0010024&category=ward_office")
    assert [o["id"] for o in body["organisations"]] == ["kita"]


def test_gas_serves_only_its_postcode_range(client, directory):
    _r, body = get(client, "/api/v1/organisations?postcode=0010024&category=gas")
    assert body["organisations"] == []


@pytest.mark.parametrize(
    "query, param",
    [("postcode=0600042&category=spaceship", "category"), ("", "postcode"), ("postcode=12", "postcode")],
)
def test_bad_search_parameters_are_422_naming_them(client, directory, query, param):
    response, body = get(client, f"/api/v1/organisations?{query}", "en")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert [p["name"] for p in body["invalid-params"]] == [param]


def test_unknown_api_url_is_a_problem_not_a_page(client):
    response, _body = get(client, "/api/v1/nowhere")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_openapi_document(client):
    response, body = get(client, "/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/postcodes/{postcode}" in body["paths"]
    assert "/api/v1/organisations" in body["paths"]


def test_search_sees_every_committed_change(client, directory):
    from hikkoshi.directory.models import Contact, ServiceArea

    _r, before = get(client, "/api/v1/organisations?postcode=0010024&category=ward_office")
    assert [o["id"] for o in before["organisations"]] == ["kita"]
    ServiceArea.objects.filter(organisation__slug="kita").update(area_code="01103")  # no signal
    from hikkoshi.directory.signals import bump_revision

    bump_revision()
    _r, moved = get(client, "/api/v1/organisations?postcode=0010024&category=ward_office")
    assert moved["organisations"] == []
    Contact.objects.create(organisation=directory["chuo"], kind="fax", value="011-221-4894")
    _r, body = get(client, "/api/v1/organisations?postcode=0600042&category=ward_office")
    assert body["organisations"][0]["contacts"][0]["value"] == "011-221-4894"
    directory["chuo"].delete()
    _r, body = get(client, "/api/v1/organisations?postcode=0600042&category=ward_office")
    assert body["organisations"] == []


def test_answers_match_their_documented_schemas(client, directory):
    from hikkoshi.directory.schemas import OrganisationSearchOut
    from hikkoshi.places.schemas import PlaceOut

    _r, body = get(client, "/api/v1/organisations?postcode=0600042")
    parsed = OrganisationSearchOut.model_validate(body)
    assert len(parsed.organisations) == 4
    assert parsed.model_dump(mode="json") == body
    _r, place = get(client, "/api/v1/postcodes/0600042")
    assert PlaceOut.model_validate(place).model_dump(mode="json") == place


def test_category_labels_follow_the_language(client, directory):
    _r, ja = get(client, "/api/v1/organisations?postcode=0600042&category=gas", "ja")
    _r, en = get(client, "/api/v1/organisations?postcode=0600042&category=gas", "en")
    assert ja["organisations"][0]["category_label"] == "都市ガス"
    assert en["organisations"][0]["category_label"] == "City gas"
