"""The synthetic nationwide directory: marked synthetic, nothing made up, the size asked for."""

import json

from hikkoshi.bench.nationwide import covered_municipalities, synthetic_directory
from hikkoshi.bench.search import DIRECTORY_DATA
from hikkoshi.places.municipalities import all_municipalities, designated_cities


def test_every_entry_is_marked_synthetic_and_invents_no_contact_detail():
    document = synthetic_directory(3_000)
    organisations = document["organisations"]
    assert document["format"] == "hikkoshi-directory" and len(organisations) == 3_000
    assert len({o["slug"] for o in organisations}) == 3_000
    for org in organisations:
        assert org["slug"].startswith("synthetic-") and org["verification"] == "sample"
        assert "合成データ" in org["note"] and "Synthetic" in org["note"]
        assert "（合成）" in org["name"]
        assert not {"address", "postcode", "hours"} & set(org)
        assert {c["kind"] for c in org["contacts"]} == {"web", "email"}
        assert all("example.jp" in c["value"] for c in org["contacts"])


def test_every_municipality_has_its_office_and_shipped_places_keep_their_own():
    covered = covered_municipalities(sorted(DIRECTORY_DATA.glob("*.json")))
    assert {"01100", "01101", "13101"} <= covered
    document = synthetic_directory(20_000, covered=covered)
    assert len(document["organisations"]) == 20_000
    offices = {
        a["area_code"]
        for o in document["organisations"]
        if o["category"] in ("city_office", "ward_office")
        for a in o["areas"]
    }
    expected = ({m.code for m in all_municipalities()} | set(designated_cities())) - covered
    assert offices == expected
    assert not any(a.get("area_code") in covered for o in document["organisations"] for a in o["areas"])
    ranged = [a for o in document["organisations"] for a in o["areas"] if a.get("postcode_from")]
    assert ranged and all(a["postcode_from"] <= a["postcode_to"] for a in ranged)
    json.dumps(document, ensure_ascii=False)
