"""Import and export of the directory (``transfer`` and the ``directory`` command)."""

import csv
from datetime import date
from io import StringIO
import json
import os
from pathlib import Path
import re
import sqlite3
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
import pytest

from hikkoshi.directory.constants import Category, ContactKind, Verification
from hikkoshi.directory.models import Contact, Organisation, ServiceArea
from hikkoshi.directory.transfer import (
    CSV_COLUMNS,
    DirectoryExportError,
    DirectoryImportError,
    directory_export,
    directory_import,
)

HEADER = ",".join(CSV_COLUMNS)


@pytest.fixture(autouse=True)
def _english():
    """The messages below are compared in English; the Japanese ones are tested in the pages."""
    with translation.override("en"):
        yield


def row(**cells) -> str:
    """One CSV line (with its newline) from the named cells; the rest empty."""
    assert set(cells) <= set(CSV_COLUMNS)
    out = StringIO()
    csv.writer(out, lineterminator="\n").writerow([cells.get(c, "") for c in CSV_COLUMNS])
    return out.getvalue()


def snapshot() -> dict:
    """Everything the import writes, independent of the export code."""
    data = {}
    for org in Organisation.objects.order_by("slug"):
        data[org.slug] = {
            "fields": {
                f: getattr(org, f)
                for f in (
                    "category",
                    "name",
                    "name_kana",
                    "name_en",
                    "postcode",
                    "address",
                    "hours",
                    "note",
                    "source",
                    "last_checked",
                    "verification",
                    "portal",
                )
            },
            "contacts": list(
                org.contacts.order_by("position", "id").values_list("kind", "value", "label", "verification")
            ),
            "areas": sorted(org.areas.values_list("area_code", "postcode_from", "postcode_to")),
        }
    return data


def counts() -> tuple[int, int, int]:
    return (Organisation.objects.count(), Contact.objects.count(), ServiceArea.objects.count())


def make(slug, category, name, *, contacts=(), areas=(), **fields):
    org = Organisation.objects.create(slug=slug, category=category, name=name, **fields)
    for i, (kind, value, label, verification) in enumerate(contacts):
        Contact.objects.create(
            organisation=org, kind=kind, value=value, label=label, verification=verification, position=i
        )
    for code, start, end in areas:
        ServiceArea.objects.create(organisation=org, area_code=code, postcode_from=start, postcode_to=end)
    return org


@pytest.fixture
def rich_directory(db):
    """Organisations using every feature of both formats (contacts in phone, fax, email, web
    order, as CSV keeps them)."""
    make(
        "gas-co",
        Category.GAS,
        "北海道ガス株式会社 (北ガス)",
        name_kana="ホッカイドウガス",
        name_en="",
        postcode="0608530",
        address="札幌市東区北7条東2丁目1番1号",
        hours="平日 9:00〜19:00\n土日祝 9:00〜17:00",
        note='A "quoted", multi-line\nnote; with | and ;',
        source="https://example.jp/a, https://example.jp/b",
        last_checked=date(2025, 3, 31),
        verification=Verification.VERIFIED,
        contacts=[
            (ContactKind.PHONE, "0570-008800", "北ガスお客さまセンター (ナビダイヤル)", Verification.VERIFIED),
            (ContactKind.PHONE, "011-792-8110", "", Verification.THIRD_PARTY),
            (ContactKind.FAX, "011-221-4894", "FAX (代表)", Verification.SAMPLE),
            (ContactKind.EMAIL, "info@example.jp", "", Verification.VERIFIED),
            (ContactKind.WEB, "https://example.jp/path_(x)?a=1", "web [form]", Verification.THIRD_PARTY),
        ],
        areas=[("01100", "0600000", "0609999"), ("", "0470000", "0479999"), ("01", "", "")],
    )
    make(
        "city",
        Category.CITY_OFFICE,
        "札幌市役所",
        verification=Verification.THIRD_PARTY,
        contacts=[(ContactKind.PHONE, "011-211-2111", "代表", Verification.THIRD_PARTY)],
        areas=[("01100", "", "")],
    )
    make("bare", Category.OTHER, "Nothing else")


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_round_trip(rich_directory, tmp_path, suffix):
    before = snapshot()
    path = tmp_path / f"directory{suffix}"
    assert directory_export(path=path) == 3

    # Importing over the same data finds everything unchanged and changes nothing.
    result = directory_import(path=path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before

    # Into an empty directory: the same data again.
    Organisation.objects.all().delete()
    result = directory_import(path=path)
    assert (result.created, result.updated) == (3, 0)
    assert snapshot() == before
    assert before["gas-co"]["contacts"][0] == (
        "phone",
        "0570-008800",
        "北ガスお客さまセンター (ナビダイヤル)",
        "verified",
    )


@pytest.mark.django_db
def test_csv_is_written_with_bom_and_documented_encoding(rich_directory, tmp_path):
    path = tmp_path / "directory.csv"
    directory_export(path=path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    text = raw.decode("utf-8-sig")
    # Contacts whose verification differs from the organisation's carry a suffix.
    assert "0570-008800 (北ガスお客さまセンター (ナビダイヤル)) | 011-792-8110 [third_party]" in text
    assert "01100:0600000-0609999;:0470000-0479999;01" in text


@pytest.mark.django_db
def test_export_only_the_given_portal(rich_directory, tmp_path):
    Organisation.objects.filter(slug="bare").update(portal="kanto")
    path = tmp_path / "kanto.json"
    assert directory_export(path=path, portal="kanto") == 1
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "hikkoshi-directory" and document["version"] == 1
    assert [o["slug"] for o in document["organisations"]] == ["bare"]


@pytest.mark.django_db
def test_import_upserts_by_slug_and_leaves_others(directory, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        HEADER
        + "\n"
        + row(
            slug="city",
            category="city_office",
            name="札幌市役所 本庁舎",
            name_en="Sapporo City Hall",
            postcode="060-8611",
            address="札幌市中央区北1条西2丁目",
            phone="011-211-2111 (代表)",
            areas="01100",
            source="ref",
            last_checked="2025-01-31",
            verification="verified",
        )
        + row(slug="new-one", category="water", name="札幌市水道局", phone="011-211-7770 [third_party]", areas="01100"),
        encoding="utf-8",
    )
    result = directory_import(path=path)
    assert (result.created, result.updated) == (1, 1)
    city = Organisation.objects.get(slug="city")
    assert (city.name, city.postcode, city.last_checked) == ("札幌市役所 本庁舎", "0608611", date(2025, 1, 31))
    assert list(city.contacts.values_list("value", "label", "verification")) == [("011-211-2111", "代表", "verified")]
    new = Organisation.objects.get(slug="new-one")
    assert new.verification == "sample"
    assert list(new.contacts.values_list("verification", flat=True)) == ["third_party"]
    # Not in the file: untouched, areas included.
    gas = Organisation.objects.get(slug="gas")
    assert list(gas.areas.values_list("area_code", "postcode_from", "postcode_to")) == [("01100", "0600000", "0609999")]
    assert Organisation.objects.count() == 7


BAD_CSV = (
    HEADER
    + "\n"  # line 1
    + row(
        slug="city",
        category="city_office",
        name="CHANGED",
        phone="011-211-2111",
        areas="01100",
        verification="verified",
    )  # line 2
    + row(slug="ok-1", category="water", name="Water", phone="011-12", areas="01100")  # line 3
    + row(slug="ok-2", category="gas", name="Gas", areas="01100")  # line 4
    + row(slug="ok-3", category="electric", name="Power", areas="01")  # line 5
    + row(
        slug="ok-4", category="gas", name="Gas 2", areas="01100:0609999-0600000", note="a note of\ntwo lines"
    )  # lines 6-7: reported at the line where the row starts
    + row(slug="ok-5", category="post", name="Post", areas="01")  # line 8
)


@pytest.mark.django_db
def test_bad_csv_reports_every_line_and_changes_nothing(directory, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    before, before_counts = snapshot(), counts()
    with translation.override("en"), pytest.raises(DirectoryImportError) as caught:
        directory_import(path=path)
    found = [(p.line, p.field) for p in caught.value.errors]
    assert found == [(3, "phone"), (5, "category"), (6, "areas")]
    messages = [str(p) for p in caught.value.errors]
    assert messages[0] == "line 3: phone: Enter a Japanese phone number such as 011-211-2111."
    assert messages[1].startswith("line 5: category: Unknown value “electric”: use one of ")
    assert messages[2] == "line 6: areas: The end of the range comes before its start."
    assert counts() == before_counts
    assert snapshot() == before
    assert Organisation.objects.get(slug="city").name == "札幌市役所"


@pytest.mark.django_db
def test_csv_structure_problems(db, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("slug,category,name,colour\nx,gas,X,red\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(DirectoryImportError) as caught:
        directory_import(path=path)
    messages = [str(p) for p in caught.value.errors]
    assert messages[0].startswith("line 1: Missing columns: name_kana, name_en, postcode")
    assert messages[1] == "line 1: Unknown columns: colour."

    path.write_text(HEADER + '\nx,gas,"unterminated\n', encoding="utf-8")
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(path=path)
    assert caught.value.errors[0].message.startswith("Malformed CSV")

    path.write_text(
        HEADER
        + "\n"
        + row(slug="x", category="gas", name="X", areas="01100", last_checked="2025-13-01")
        + row(slug="x", category="gas", name="X", phone="011-211-2111 (unclosed", areas="0110", verification="maybe")
        + "y,gas,Y,,,,\n",
        encoding="utf-8",
    )
    with translation.override("en"), pytest.raises(DirectoryImportError) as caught:
        directory_import(path=path)
    assert [(p.line, p.field) for p in caught.value.errors] == [
        (2, "last_checked"),
        (3, "phone"),
        (3, "slug"),
        (3, "verification"),
        (3, "areas"),
        (4, ""),
    ]
    assert Organisation.objects.count() == 0


@pytest.mark.django_db
def test_csv_with_and_without_bom(db, tmp_path):
    line = row(
        slug="bom",
        category="city_office",
        name="札幌市役所",
        postcode="〒０６０ー８６１１",
        phone="011-211-2111 (代表)",
        areas="01100",
        verification="verified",
    )
    for name, encoding in (("bom.csv", "utf-8-sig"), ("plain.csv", "utf-8")):
        path = tmp_path / name
        path.write_text(HEADER + "\r\n" + line, encoding=encoding)
        directory_import(path=path)
    org = Organisation.objects.get(slug="bom")
    assert (org.name, org.postcode, org.verification) == ("札幌市役所", "0608611", "verified")
    assert list(org.contacts.values_list("label", "verification")) == [("代表", "verified")]

    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes((HEADER + "\n" + line).encode("cp932"))
    with translation.override("en"), pytest.raises(DirectoryImportError) as caught:
        directory_import(path=sjis)
    assert "not UTF-8" in caught.value.errors[0].message


@pytest.mark.django_db
def test_malformed_json(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "hikkoshi-directory",\n "version": 1,\n "organisations": [}', encoding="utf-8")
    with translation.override("en"), pytest.raises(DirectoryImportError) as caught:
        directory_import(path=path)
    (problem,) = caught.value.errors
    assert problem.line == 3
    assert str(problem).startswith("line 3: Malformed JSON:")

    path.write_text('{"organisations": []}', encoding="utf-8")
    with pytest.raises(DirectoryImportError):
        directory_import(path=path)


@pytest.mark.django_db
def test_json_problems_name_index_and_field(directory, tmp_path):
    document = {
        "format": "hikkoshi-directory",
        "version": 1,
        "organisations": [
            {"slug": "ok", "category": "gas", "name": "Gas", "areas": [{"area_code": "01100"}]},
            {
                "slug": "bad",
                "category": "gas",
                "name": "Bad",
                "postcode": "12345",
                "last_checked": "31/03/2025",
                "colour": "red",
                "contacts": [
                    {"kind": "phone", "value": "011-211-2111"},
                    {"kind": "fax", "value": "not a number", "verification": "maybe"},
                    {"kind": "pigeon", "value": "x"},
                ],
                "areas": [{"area_code": "1"}, {"postcode_from": "0600000"}],
            },
            {"slug": "ok", "category": "gas", "name": 7},
        ],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = snapshot()
    with translation.override("en"), pytest.raises(DirectoryImportError) as caught:
        directory_import(path=path)
    found = {(p.index, p.field) for p in caught.value.errors}
    assert found == {
        (1, ""),
        (1, "last_checked"),
        (1, "postcode"),
        (1, "contacts[1].verification"),
        (1, "contacts[1].value"),
        (1, "contacts[2].kind"),
        (1, "areas[0].area_code"),
        (1, "areas[1].postcode_to"),
        (2, "name"),
        (2, "slug"),
    }
    assert all(p.line is None for p in caught.value.errors)
    assert "organisations[1]: : Unknown keys: colour." not in [str(p) for p in caught.value.errors]
    assert "organisations[1]: Unknown keys: colour." in [str(p) for p in caught.value.errors]
    assert snapshot() == before


@pytest.mark.django_db
def test_unsupported_extension(db, tmp_path):
    path = tmp_path / "directory.xlsx"
    path.write_text("", encoding="utf-8")
    with translation.override("en"):
        with pytest.raises(DirectoryImportError, match=r"Unsupported file type “\.xlsx”"):
            directory_import(path=path)
        with pytest.raises(DirectoryExportError, match="Unsupported file type"):
            directory_export(path=path)


@pytest.mark.django_db
def test_export_refuses_what_csv_cannot_hold(db, tmp_path):
    make("pipe", Category.OTHER, "P", contacts=[(ContactKind.PHONE, "011-211-2111", "a | b", Verification.SAMPLE)])
    with pytest.raises(DirectoryExportError):
        directory_export(path=tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
    assert directory_export(path=tmp_path / "x.json") == 1


@pytest.mark.django_db
def test_command_import_errors_and_success(directory, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    stdout, stderr = StringIO(), StringIO()
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("directory", "import", str(bad), stdout=stdout, stderr=stderr)
    assert caught.value.returncode == 1
    lines = stderr.getvalue().splitlines()
    assert lines == [
        "line 3: phone: Enter a Japanese phone number such as 011-211-2111.",
        lines[1],
        "line 6: areas: The end of the range comes before its start.",
    ]
    assert lines[1].startswith("line 5: category: ")
    assert "3 problem(s)" in str(caught.value)
    assert Organisation.objects.get(slug="city").name == "札幌市役所"

    out = tmp_path / "out.json"
    with translation.override("en"):
        call_command("directory", "export", str(out), stdout=stdout)
        assert "Exported 6 organisation(s)" in stdout.getvalue()
        stdout = StringIO()
        call_command("directory", "import", str(out), stdout=stdout)
    assert "0 created, 0 updated, 6 unchanged" in stdout.getvalue()


def test_command_as_a_real_process(tmp_path):
    """``hikkoshi directory import`` as an operator runs it: exit status and stderr."""
    hikkoshi = Path(sys.executable).parent / "hikkoshi"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HIKKOSHI_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="hikkoshi.settings.dev")

    def run(*args):
        return subprocess.run(
            [str(hikkoshi), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )

    assert run("manage", "migrate", "--verbosity", "0").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV.replace("city,", "city-new,"), encoding="utf-8")
    proc = run("directory", "import", str(bad))
    assert proc.returncode == 1
    # The messages may be translated; line numbers and column names are not.
    reported = [
        (re.search(r"\d+", line).group(), line.split(": ")[1]) for line in proc.stderr.splitlines() if ": " in line
    ][:3]
    assert reported == [("3", "phone"), ("5", "category"), ("6", "areas")]
    with sqlite3.connect(tmp_path / "hikkoshi.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM directory_organisation").fetchone() == (0,)

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\n" + row(slug="x", category="gas", name="X", areas="01100"), encoding="utf-8")
    proc = run("directory", "import", str(good))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    with sqlite3.connect(tmp_path / "hikkoshi.sqlite3") as db:
        assert db.execute("SELECT slug, name FROM directory_organisation").fetchall() == [("x", "X")]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_a_japan_post_style_reading_is_made_natural_on_import(tmp_path, suffix):
    """サツポロシロイシクヤクシヨ (small kana written full size) is stored as people read it."""
    path = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        path.write_text(
            HEADER
            + "\n"
            + row(
                slug="ward",
                category="ward_office",
                name="札幌市白石区役所",
                name_kana="サツポロシシロイシクヤクシヨ",
                areas="01104",
            ),
            encoding="utf-8",
        )
    else:
        organisation = {
            "slug": "ward",
            "category": "ward_office",
            "name": "札幌市白石区役所",
            "name_kana": "サツポロシシロイシクヤクシヨ",
            "areas": [{"area_code": "01104"}],
        }
        path.write_text(
            json.dumps({"format": "hikkoshi-directory", "version": 1, "organisations": [organisation]}),
            encoding="utf-8",
        )
    directory_import(path=path)
    assert Organisation.objects.get(slug="ward").name_kana == "サッポロシシロイシクヤクショ"
