"""Procedure dates default from the moving day (``"default": "move_date"``), pre-filled and changeable."""

from datetime import timedelta

import pytest

from hikkoshi.catalogue.schema import SchemaError, clean_values, parse_schema
from hikkoshi.japanese import format_wareki
from hikkoshi.moves.services import validate_move

from .conftest import moving_day, sapporo_relocation
from .test_pages import AGREE, date_of, move_of, places_post, signed_in, text, through_people, value_of  # noqa: F401 (a fixture)


def test_the_schema_takes_a_moving_day_default_for_dates_only():
    (spec,) = parse_schema([{"name": "d", "type": "date", "label": "日", "default": "move_date"}])
    assert spec.default == "move_date" and spec.to_dict()["default"] == "move_date"
    for bad in (
        {"type": "text", "default": "move_date"},
        {"type": "date", "default": "today"},
        {"type": "date", "default": True},
    ):
        with pytest.raises(SchemaError) as caught:
            parse_schema([{"name": "d", "label": "日", **bad}])
        assert "fields[0].default" in {p for p, _m in caught.value.errors}


def test_a_left_out_date_takes_the_moving_day_and_an_empty_one_stays_empty():
    schema = parse_schema(
        [
            {"name": "d", "type": "date", "label": "日", "required": True, "default": "move_date"},
            {"name": "e", "type": "date", "label": "日"},
        ]
    )
    day = moving_day()
    values, errors = clean_values(schema, {}, move_date=day)
    assert values == {"d": day.isoformat()} and errors == {}
    _values, errors = clean_values(schema, {"d": ""}, move_date=day)
    assert set(errors) == {"d"}  # cleared on purpose: required
    values, _errors = clean_values(schema, {"d": "2026-01-15"}, move_date=day)
    assert values["d"] == "2026-01-15"


def test_the_shipped_catalogue_dates_default_to_the_moving_day():
    """Every stop, start and subscription date of the shipped catalogue's active procedures."""
    import json

    from hikkoshi.catalogue.tests.conftest import PACKAGE

    data = json.loads((PACKAGE / "catalogue" / "data" / "sapporo.json").read_text())
    dates = {
        (p["slug"], f["name"]): f.get("default")
        for p in data["procedures"]
        if p.get("active", True)
        for f in p["fields"]
        if f["type"] == "date"
    }
    assert set(dates) == set(DATES) | {("hokkaido-shimbun-subscription", "start_date")}
    assert set(dates.values()) == {"move_date"}


def test_the_api_fills_a_left_out_date_from_the_moving_day(sapporo):
    payload = sapporo_relocation()
    for entry in payload["procedures"]:  # every stop and start date left out
        entry["fields"].pop("stop_date", None)
        entry["fields"].pop("start_date", None)
    payload["procedures"].append({"id": "hokkaido-shimbun-subscription", "fields": {}})
    validated = validate_move(payload)
    values = {e.applicable.slug: e.values for e in validated.procedures}
    assert {values[slug][name] for slug, name in DATES} == {moving_day().isoformat()}
    assert values["hokkaido-shimbun-subscription"]["start_date"] == moving_day().isoformat()


def test_without_the_key_a_left_out_date_is_still_required(sapporo_without_defaults):
    payload = sapporo_relocation()
    payload["procedures"][1]["fields"] = {}
    with pytest.raises(Exception) as caught:
        validate_move(payload)
    assert "procedures[1].fields.stop_date" in caught.value.errors


DATES = (
    ("sapporo-water-stop", "stop_date"),
    ("sapporo-water-start", "start_date"),
    ("hokkaido-gas-stop", "stop_date"),
    ("hokkaido-gas-start", "start_date"),
    ("hepco-electricity-stop", "stop_date"),
    ("hepco-electricity-start", "start_date"),
)


def details_typed(day, **changes) -> dict:
    data = {f"proc-{slug}-{name}": format_wareki(day) for slug, name in DATES}
    data.update(
        {
            "proc-hokkaido-gas-start-visit_slot": "am",
            "proc-hepco-electricity-stop-billing_number": "1234 5678 9012",
            "proc-hokkaido-shimbun-subscription-start_date": day.isoformat(),
        },
        **changes,
    )
    return data


def test_the_details_step_shows_the_moving_day_and_keeps_a_change(signed_in, sapporo):
    day = moving_day()
    base = through_people(signed_in, move_date=day.isoformat())
    page = text(signed_in.get(base + "details/"))
    shown = ("R", str(day.year - 2018), str(day.month), str(day.day))  # in 令和, as typed on paper
    for slug, name in (*DATES, ("hokkaido-shimbun-subscription", "start_date")):
        assert date_of(page, f"proc-{slug}-{name}") == shown
    assert value_of(page, "proc-hepco-electricity-stop-billing_number") == ""  # no default: empty
    assert "error-summary" not in page  # a default is not an error

    earlier = day - timedelta(days=2)
    data = details_typed(day, **{"proc-sapporo-water-stop-stop_date": earlier.isoformat()})
    assert signed_in.post(base + "details/", data)["Location"] == base + "review/"
    page = text(signed_in.get(base + "details/"))
    assert value_of(page, "proc-sapporo-water-stop-stop_date") == earlier.isoformat()  # the change, as typed
    assert signed_in.post(base + "submit/", AGREE)["Location"] == base
    entries = {e.version.procedure.slug: e.values for e in move_of(base + "places/").procedures.all()}
    assert entries["sapporo-water-stop"]["stop_date"] == earlier.isoformat()
    assert entries["sapporo-water-start"]["start_date"] == day.isoformat()


def test_the_shipped_catalogue_dates_have_a_format_hint(signed_in, sapporo):
    base = through_people(signed_in)
    page = text(signed_in.get(base + "details/"))
    assert page.count("令和8年1月15日") == 7  # the seven dates (stop and start of three, the newspaper)


def test_dates_left_on_the_moving_day_follow_it_when_it_changes(signed_in, sapporo_defaults):
    day = moving_day()
    base = through_people(signed_in, move_date=day.isoformat())
    later, earlier = day + timedelta(days=7), day - timedelta(days=2)
    signed_in.post(base + "details/", details_typed(day, **{"proc-sapporo-water-stop-stop_date": earlier.isoformat()}))
    signed_in.post(base + "places/", places_post(move_date=later.isoformat()))  # the moving day moves
    page = text(signed_in.get(base + "details/"))
    assert date_of(page, "proc-hokkaido-gas-start-start_date") == (
        "R",
        str(later.year - 2018),
        str(later.month),
        str(later.day),
    )
    assert value_of(page, "proc-sapporo-water-stop-stop_date") == earlier.isoformat()  # a date of its own stays


def test_the_api_says_which_dates_default_to_the_moving_day(client, sapporo):
    """GET /api/v1/procedures tells a client which dates it may leave out."""
    body = client.get("/api/v1/procedures", {"from": "060-0042", "to": "001-0024"}).json()
    dates = {
        (p["id"], f["name"]): f.get("default") for p in body["procedures"] for f in p["fields"] if f["type"] == "date"
    }
    assert dates and set(dates.values()) == {"move_date"}
    assert dates[("sapporo-water-stop", "stop_date")] == "move_date"
    texts = {
        (p["id"], f["name"]): f.get("default") for p in body["procedures"] for f in p["fields"] if f["type"] != "date"
    }
    assert set(texts.values()) <= {None}
