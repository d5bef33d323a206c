import json

from hikkoshi.catalogue.models import Procedure


def _form(procedure, **overrides):
    data = {
        "slug": procedure.slug,
        "organisation": procedure.organisation_id,
        "name": procedure.name,
        "name_en": procedure.name_en,
        "description": procedure.description,
        "description_en": procedure.description_en,
        "move_kinds": json.dumps(procedure.move_kinds),
        "conditions": json.dumps(procedure.conditions),
        "end": procedure.end,
        "shares": procedure.shares,
        "fields": json.dumps(procedure.fields, ensure_ascii=False),
        "channel": procedure.channel,
        "channel_settings": json.dumps(procedure.channel_settings),
        "deadline_from_days": procedure.deadline_from_days if procedure.deadline_from_days is not None else "",
        "deadline_to_days": procedure.deadline_to_days if procedure.deadline_to_days is not None else "",
        "office": procedure.office,
        "official_form": procedure.official_form,
        "what_to_bring": procedure.what_to_bring,
        "what_to_bring_en": procedure.what_to_bring_en,
        "source": procedure.source,
        "position": procedure.position,
        "active": "on",
        **({"required": "on"} if procedure.required else {}),
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_refuses_a_broken_schema_and_keeps_the_version(admin_client, sapporo):
    water = Procedure.objects.get(slug="sapporo-water-start")
    broken = json.dumps([{"name": "Bad Name", "type": "colour", "label": "x"}])
    response = admin_client.post(
        f"/admin/catalogue/procedure/{water.pk}/change/", _form(water, fields=broken), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "fields[0].name" in page and "fields[0].type" in page
    assert water.versions.count() == 1


def test_admin_edit_makes_a_new_version(admin_client, sapporo):
    water = Procedure.objects.get(slug="sapporo-water-start")
    response = admin_client.post(
        f"/admin/catalogue/procedure/{water.pk}/change/", _form(water, name="水道の使用開始（改）")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert water.versions.count() == 2
    assert water.current_version.definition["name"] == "水道の使用開始（改）"


def test_admin_edits_the_declarations(admin_client, sapporo):
    gas = Procedure.objects.get(slug="hokkaido-gas-stop")
    page = admin_client.get(f"/admin/catalogue/procedure/{gas.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="shares"' in page and 'name="required"' in page and 'name="end"' in page
    response = admin_client.post(
        f"/admin/catalogue/procedure/{gas.pk}/change/", _form(gas, shares=["move_date", "applicant_name"], end="old")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    gas.refresh_from_db()
    assert gas.shares == ["applicant_name", "move_date"]  # in the catalogue's order
    assert gas.current_version.definition["shares"] == ["applicant_name", "move_date"]
