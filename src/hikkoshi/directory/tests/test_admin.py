import pytest

from hikkoshi.directory.models import Organisation


def _form(**overrides):
    data = {
        "slug": "test-gas",
        "category": "gas",
        "name": "テストガス",
        "name_kana": "",
        "name_en": "",
        "postcode": "060-0042",
        "address": "",
        "hours": "",
        "verification": "sample",
        "source": "",
        "last_checked": "",
        "note": "",
        "portal": "local",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-kind": "phone",
        "contacts-0-value": "011-211-2111",
        "contacts-0-label": "",
        "contacts-0-verification": "sample",
        "contacts-0-position": "0",
        "areas-TOTAL_FORMS": "1",
        "areas-INITIAL_FORMS": "0",
        "areas-0-area_code": "01100",
        "areas-0-postcode_from": "",
        "areas-0-postcode_to": "",
    }
    data.update(overrides)
    return data


def test_admin_saves_a_valid_organisation_with_normalised_postcode(admin_client):
    response = admin_client.post("/admin/directory/organisation/add/", _form())
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organisation.objects.get(slug="test-gas")
    assert org.postcode == "0600042"
    assert org.contacts.get().value == "011-211-2111"
    assert org.areas.get().area_code == "01100"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("contacts-0-value", "12345", "011-211-2111"),
        ("areas-0-area_code", "1100", "JIS X 0402"),
        ("postcode", "06-42", "7桁"),
        ("areas-0-postcode_from", "0600000", "両方"),
    ],
)
def test_admin_refuses_invalid_data_and_keeps_it(admin_client, field, value, message):
    response = admin_client.post(
        "/admin/directory/organisation/add/", _form(**{field: value}), HTTP_ACCEPT_LANGUAGE="ja"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'value="{value}"' in page
    assert not Organisation.objects.filter(slug="test-gas").exists()
