"""The directory files shipped with the portal (``directory/data/*.json``)."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
import pytest

import hikkoshi.directory
from hikkoshi.directory.constants import Category, ContactKind, Verification
from hikkoshi.directory.models import Contact, Organisation
from hikkoshi.directory.selectors import organisations_for_place
from hikkoshi.directory.transfer import directory_export, directory_import
from hikkoshi.directory.validators import validate_area_code, validate_contact

DATA = Path(hikkoshi.directory.__file__).parent / "data"
FILES = {"sapporo": 18, "tokyo": 5, "osaka": 4}
SAPPORO_WARDS = {
    "sapporo-chuo-ward": "01101",
    "sapporo-kita-ward": "01102",
    "sapporo-higashi-ward": "01103",
    "sapporo-shiroishi-ward": "01104",
    "sapporo-toyohira-ward": "01105",
    "sapporo-minami-ward": "01106",
    "sapporo-nishi-ward": "01107",
    "sapporo-atsubetsu-ward": "01108",
    "sapporo-teine-ward": "01109",
    "sapporo-kiyota-ward": "01110",
}


def organisations(name: str) -> list[dict]:
    document = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == ("hikkoshi-directory", 1)
    return document["organisations"]


ALL = [org for name in FILES for org in organisations(name)]


@pytest.fixture
def shipped(db):
    for name, count in FILES.items():
        result = directory_import(path=DATA / f"{name}.json")
        assert (result.created, result.updated) == (count, 0)


def slugs_for(municipality_code: str, postcode: str) -> set[str]:
    matches = organisations_for_place(municipality_code=municipality_code, postcode=postcode)
    return {m.organisation.slug for m in matches}


def test_every_slug_once_and_every_organisation_findable():
    slugs = [org["slug"] for org in ALL]
    assert len(slugs) == len(set(slugs)) == 27
    for org in ALL:
        assert org["category"] in Category.values, org["slug"]
        assert org["areas"], f"{org['slug']} has no service area and could never be found"
        for area in org["areas"]:
            if area["area_code"]:
                validate_area_code(area["area_code"])


def test_every_shipped_contact_validates():
    contacts = [(org["slug"], c) for org in ALL for c in org["contacts"]]
    phones = [c for _slug, c in contacts if c["kind"] in (ContactKind.PHONE, ContactKind.FAX)]
    assert len(phones) == 32  # 22 found in the reference, and the call centre's for each of 10 wards
    for slug, contact in contacts:
        try:
            validate_contact(contact["kind"], contact["value"])
        except ValidationError:  # pragma: no cover - the message names the culprit
            pytest.fail(f"{slug}: {contact['value']} does not validate")
        assert contact["verification"] in Verification.values


def test_only_high_confidence_official_data_is_verified():
    """Only the city hall is verified as a whole: its address and 代表 phone come from the city's
    own FAQ (High confidence). The ward offices' addresses are Japan Post data, but their hours
    come from a blog and no phone was found, so they are shown as sample data until checked.
    Of single numbers, the city hall's 代表 and the water bureau's 電話受付センター are verified."""
    verified = {org["slug"] for org in ALL if org["verification"] == Verification.VERIFIED}
    assert verified == {"sapporo-city-hall"}
    verified_contacts = {
        (org["slug"], c["value"]) for org in ALL for c in org["contacts"] if c["verification"] == Verification.VERIFIED
    }
    assert verified_contacts == {("sapporo-city-hall", "011-211-2111"), ("sapporo-waterworks", "011-211-7770")}
    assert all(org["last_checked"] is None for org in ALL)  # no compilation date is stated


@pytest.mark.django_db
def test_shipped_files_import_into_an_empty_directory(shipped):
    assert Organisation.objects.count() == 27
    assert Contact.objects.filter(kind__in=["phone", "fax"]).count() == 32
    for slug, code in SAPPORO_WARDS.items():
        org = Organisation.objects.get(slug=slug)
        assert org.category == Category.WARD_OFFICE
        assert list(org.areas.values_list("area_code", flat=True)) == [code]
    city = Organisation.objects.get(slug="sapporo-city-hall")
    assert (city.postcode, city.address) == ("0608611", "札幌市中央区北1条西2丁目")
    assert list(city.contacts.filter(kind="phone").values_list("value", "label")) == [("011-211-2111", "代表")]
    chuo = Organisation.objects.get(slug="sapporo-chuo-ward")
    assert "ADDRESS CONFLICT" in chuo.note and chuo.is_sample
    assert "not found" in Organisation.objects.get(slug="hokkaido-gas").note.lower()
    assert Organisation.objects.get(slug="japanpost-tenkyo").areas.count() == 47

    # Importing again changes nothing and creates nothing.
    result = directory_import(path=DATA / "sapporo.json")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 18)
    assert Organisation.objects.count() == 27


@pytest.mark.django_db
def test_search_in_sapporo_chuo(shipped):
    found = slugs_for("01101", "0600042")
    assert found == {
        "sapporo-city-hall",
        "sapporo-callcenter",
        "sapporo-chuo-ward",
        "hepco",
        "hokkaido-gas",
        "sapporo-waterworks",
        "hokkaido-shimbun",
        "japanpost-tenkyo",
        "ntt-east",
    }
    assert "sapporo-kita-ward" not in found
    assert "sapporo-chuo-ward" not in slugs_for("01102", "0010024")
    assert "sapporo-kita-ward" in slugs_for("01102", "0010024")


@pytest.mark.django_db
def test_search_in_tokyo_and_osaka(shipped):
    assert slugs_for("13101", "1020074") == {
        "tokyo-chiyoda-ward",
        "tepco-ep",
        "tokyo-gas",
        "tokyo-waterworks",
        "japanpost-tenkyo",
        "ntt-east",
    }
    assert slugs_for("27127", "5300001") == {
        "osaka-kita-ward",
        "kepco",
        "osaka-gas",
        "osaka-waterworks",
        "japanpost-tenkyo",
    }


@pytest.mark.django_db
def test_shipped_data_survives_a_csv_round_trip(shipped, tmp_path):
    """Real labels (with nested brackets) and mixed verifications through the CSV encoding."""
    as_json = tmp_path / "before.json"
    directory_export(path=as_json)
    directory_export(path=tmp_path / "all.csv")
    Organisation.objects.all().delete()
    assert directory_import(path=tmp_path / "all.csv").created == 27
    directory_export(path=tmp_path / "after.json")

    def by_slug(path):
        document = json.loads(path.read_text(encoding="utf-8"))
        result = {}
        for org in document["organisations"]:
            # CSV orders an organisation's contacts by kind (phone, fax, e-mail, web).
            org["contacts"].sort(key=lambda c: ContactKind.values.index(c["kind"]))
            result[org["slug"]] = org
        return result

    assert by_slug(tmp_path / "after.json") == by_slug(as_json)


# Japan Post's data writes small kana full size (サツポロ, ヤクシヨ); what a person reads is
# サッポロ, ヤクショ.
JAPAN_POST_STYLE = (
    "サツポロ",
    "ホツカイ",
    "ヤクシヨ",
    "キヨウ",
    "リヨク",
    "シンブンシヤ",
    "シユク",
    "チユウ",
    "キヨク",
    " ",
)


def test_kana_readings_are_natural():
    for org in ALL:
        for written in JAPAN_POST_STYLE:
            assert written not in org["name_kana"], (org["slug"], org["name_kana"])
    readings = {org["slug"]: org["name_kana"] for org in ALL}
    assert readings["sapporo-shiroishi-ward"] == "サッポロシシロイシクヤクショ"
    assert readings["sapporo-chuo-ward"] == "サッポロシチュウオウクヤクショ"
    assert readings["sapporo-kiyota-ward"] == "サッポロシキヨタクヤクショ"
    assert readings["hepco"] == "ホッカイドウデンリョク"
    assert readings["tokyo-chiyoda-ward"] == "トウキョウトチヨダクヤクショ"


def test_every_sapporo_ward_office_gives_a_phone_with_its_source():
    """No ward office's own number is in the reference: the city's call centre stands in, named
    as such, with the source it was read in; no ward's hours say 未確認."""
    centre = next(org for org in ALL if org["slug"] == "sapporo-callcenter")
    centre_phone = next(c["value"] for c in centre["contacts"] if c["kind"] == "phone")
    for org in ALL:
        if org["slug"] not in SAPPORO_WARDS:
            continue
        phones = [c for c in org["contacts"] if c["kind"] == ContactKind.PHONE]
        assert [c["value"] for c in phones] == [centre_phone], org["slug"]
        assert phones[0]["label"].startswith("札幌市コールセンター")
        assert phones[0]["verification"] == Verification.THIRD_PARTY
        assert "i-colleague.oia.hokudai.ac.jp" in org["source"] and centre_phone in org["source"]
        assert "未確認" not in org["hours"] and org["hours"]


def test_no_english_fragments_in_what_the_pages_show():
    """Labels and hours are shown on Japanese pages as they are: Japanese only."""
    import re

    for org in ALL:
        shown = [org["hours"], *(c["label"] for c in org["contacts"])]
        for text in shown:
            assert not re.search(r"[A-Za-z]{4,}", text.replace("FAQ", "")), (org["slug"], text)
