import json

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

from hikkoshi.catalogue.models import Procedure, ProcedureVersion
from hikkoshi.catalogue.schema import FieldError, SchemaError, clean_values, parse_schema
from hikkoshi.catalogue.services import CatalogueImportError, catalogue_export, catalogue_import

from .conftest import PACKAGE

SHIPPED = PACKAGE / "catalogue" / "data" / "sapporo.json"


def test_the_sapporo_procedures_are_shipped(sapporo):
    assert Procedure.objects.count() == 14
    channels = {p.slug: p.channel for p in Procedure.objects.filter(active=True)}
    assert channels == {
        "sapporo-move-out": "window",
        "sapporo-move-in": "window",
        "sapporo-water-stop": "web",
        "sapporo-water-start": "web",
        "hokkaido-shimbun-subscription": "fax",
        "hokkaido-gas-stop": "web",
        "hokkaido-gas-start": "web",
        "hepco-electricity-stop": "web",
        "hepco-electricity-start": "web",
        "sapporo-property-tax": "email",
        "sapporo-sapling": "email",
    }
    # Before the split into stopping and starting: kept for the moves made with them.
    assert set(Procedure.objects.filter(active=False).values_list("slug", flat=True)) == {
        "sapporo-water",
        "hokkaido-gas",
        "hepco-electricity",
    }
    assert all(p.versions.count() == 1 for p in Procedure.objects.all())


def test_only_the_resident_registration_is_required_and_each_declares_its_data(sapporo):
    required = set(Procedure.objects.filter(required=True).values_list("slug", flat=True))
    assert required == {"sapporo-move-out", "sapporo-move-in"}
    # 世帯主 and 続柄 are common data of the move, no longer the notification's own fields.
    for slug in required:
        assert Procedure.objects.get(slug=slug).fields == []
    newspaper = Procedure.objects.get(slug="hokkaido-shimbun-subscription")
    assert "members" not in newspaper.shares and "applicant_birth_date" not in newspaper.shares
    assert Procedure.objects.get(slug="hokkaido-gas-stop").end == "old"
    assert Procedure.objects.get(slug="hokkaido-gas-start").end == "new"
    definition = Procedure.objects.get(slug="hokkaido-gas-start").current_version.definition
    assert (definition["required"], definition["end"]) == (False, "new")
    assert definition["shares"] == ["applicant_name", "applicant_phone", "applicant_email", "new_address", "move_date"]


def test_a_version_made_before_the_declarations_keeps_its_meaning():
    from hikkoshi.catalogue.models import is_required, shared_items

    old = {"slug": "sapporo-water", "official_form": "", "conditions": []}
    assert shared_items(old) == [
        "applicant_name",
        "applicant_birth_date",
        "applicant_phone",
        "applicant_email",
        "members",
        "old_address",
        "new_address",
        "move_date",
    ]
    assert not is_required(old)
    assert is_required({"official_form": "juminido"})
    assert shared_items({"shares": ["move_date"]}) == ["move_date"]


def test_new_attributes_are_checked(sapporo):
    gas = Procedure.objects.get(slug="hokkaido-gas-stop")
    gas.shares = ["applicant_name", "shoe_size"]
    gas.end = "new"  # starting somewhere, for a procedure of moving out only
    gas.move_kinds = ["move_out"]
    gas.required = True
    gas.conditions = ["opt_in"]
    with pytest.raises(ValidationError) as caught:
        gas.full_clean()
    assert {"shares", "end", "conditions"} <= set(caught.value.message_dict)


def test_editing_makes_a_new_version_and_keeps_the_old(sapporo):
    water = Procedure.objects.get(slug="sapporo-water")
    first = water.current_version
    water.save()  # nothing changed
    assert water.versions.count() == 1
    water.fields = water.fields + [{"name": "meter", "type": "text", "label": "メーター番号"}]
    water.save()
    assert water.current_version.number == 2
    assert "meter" not in {s.name for s in ProcedureVersion.objects.get(pk=first.pk).schema}
    assert "meter" in {s.name for s in water.current_version.schema}


def test_import_is_idempotent(sapporo):
    result = catalogue_import(path=SHIPPED)
    assert (result.created, result.new_versions) == (0, 0) and result.updated == 14


def test_export_then_import_round_trip(sapporo, tmp_path):
    target = tmp_path / "catalogue.json"
    assert catalogue_export(path=target) == 14
    exported = json.loads(target.read_text())["procedures"]
    assert exported[0]["slug"] == "sapporo-move-out"
    gas = next(p for p in exported if p["slug"] == "hokkaido-gas-stop")
    assert (gas["required"], gas["end"], gas["shares"][0]) == (False, "old", "applicant_name")
    assert catalogue_import(path=target).new_versions == 0
    # A changed declaration is a new version.
    gas["shares"] = ["applicant_name", "old_address"]
    target.write_text(
        json.dumps({"format": "hikkoshi-catalogue", "version": 1, "procedures": exported}, ensure_ascii=False)
    )
    assert catalogue_import(path=target).new_versions == 1
    assert Procedure.objects.get(slug="hokkaido-gas-stop").current_version.definition["shares"] == [
        "applicant_name",
        "old_address",
    ]


def test_a_bad_file_reports_every_problem_by_path_and_changes_nothing(sapporo, tmp_path):
    data = json.loads(SHIPPED.read_text())
    data["procedures"][0]["fields"] = [{"name": "x", "type": "colour", "label": "x"}]
    data["procedures"][1]["organisation"] = "nobody"
    data["procedures"][2]["channel_settings"] = {"endpoint": "not a url"}
    data["procedures"][3]["move_kinds"] = ["teleport"]
    data["procedures"][4]["name"] = "changed"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False))
    with pytest.raises(CatalogueImportError) as caught:
        catalogue_import(path=bad)
    paths = {p for p, _m in caught.value.problems}
    assert {
        "procedures[0].fields",
        "procedures[1].organisation",
        "procedures[2].channel_settings",
        "procedures[3].move_kinds",
    } <= paths
    assert Procedure.objects.get(slug=data["procedures"][4]["slug"]).name != "changed"
    with pytest.raises(CommandError):
        call_command("catalogue", "import", str(bad))


def test_a_window_procedure_needs_its_office(sapporo):
    move_out = Procedure.objects.get(slug="sapporo-move-out")
    move_out.office = ""
    with pytest.raises(ValidationError) as caught:
        move_out.full_clean()
    assert "office" in caught.value.message_dict


@pytest.mark.parametrize(
    "schema, path",
    [
        ([{"name": "X", "type": "text", "label": "x"}], "fields[0].name"),
        ([{"name": "a", "type": "text", "label": "a"}, {"name": "a", "type": "text", "label": "b"}], "fields[1].name"),
        ([{"name": "a", "type": "choice", "label": "a"}], "fields[0].choices"),
        ([{"name": "a", "type": "text", "label": "a", "pattern": "("}], "fields[0].pattern"),
        ([{"name": "a", "type": "text", "label": "a", "max_length": 0}], "fields[0].max_length"),
        ([{"name": "a", "type": "text", "label": "a", "kinds": ["flying"]}], "fields[0].kinds"),
        ("nope", "fields"),
    ],
)
def test_schema_problems_are_named(schema, path):
    with pytest.raises(SchemaError) as caught:
        parse_schema(schema)
    assert path in {p for p, _m in caught.value.errors}


SCHEMA = parse_schema(
    [
        {"name": "kana", "type": "kana", "label": "カナ", "required": True},
        {"name": "when", "type": "date", "label": "日"},
        {"name": "phone", "type": "phone", "label": "電話"},
        {"name": "account", "type": "account", "label": "番号", "pattern": "\\d{12}", "max_length": 12},
        {"name": "count", "type": "number", "label": "数", "min_value": 0, "max_value": 10},
        {"name": "pick", "type": "choice", "label": "選択", "choices": [{"value": "a", "label": "A"}]},
        {"name": "short", "type": "text", "label": "短い", "max_length": 5},
        {"name": "later", "type": "text", "label": "後", "kinds": ["move_in"]},
    ]
)


def test_values_as_people_type_them():
    values, errors = clean_values(
        SCHEMA,
        {
            "kana": "やまだ　たろう",
            "when": "令和8年4月1日",
            "phone": "０１１－２１１－２１１１",
            "account": "1234-5678-9012",
            "count": "３",
            "pick": "a",
            "short": "あいうえお",
        },
    )
    assert errors == {}
    assert values == {
        "kana": "ヤマダ\u3000タロウ",
        "when": "2026-04-01",
        "phone": "011-211-2111",
        "account": "123456789012",
        "count": 3,
        "pick": "a",
        "short": "あいうえお",
    }


def test_bad_values_are_named_by_path():
    _values, errors = clean_values(
        SCHEMA,
        {
            "kana": "山田",
            "when": "2026-02-30",
            "phone": "123",
            "account": "12",
            "count": "11",
            "pick": "z",
            "short": "あいうえおか",
            "extra": "?",
            "later": "x\x00y",
        },
        "procedures[0].fields",
    )
    assert set(errors) == {
        f"procedures[0].fields.{n}"
        for n in ("kana", "when", "phone", "account", "count", "pick", "short", "extra", "later")
    }


def test_a_number_of_the_wrong_length_says_what_is_wrong_not_the_help_again():
    """ご請求番号（12桁）: the help under the field is not repeated as the error."""
    from django.utils import translation

    [field] = parse_schema(
        [
            {
                "name": "billing_number",
                "type": "account",
                "label": "ご請求番号（12桁）",
                "pattern": "\\d{12}",
                "max_length": 12,
                "help": "ほくでんエネモールで確認できます（分かれば）。12桁の数字。",
                "help_en": "Shown in the web service, if you know it: 12 digits.",
            }
        ]
    )
    with translation.override("ja"):
        for typed, message in (
            ("12345678901", "12桁の数字を入力してください（入力されたのは11桁です）。"),
            ("1234 5678 90123", "12桁の数字を入力してください（入力されたのは13桁です）。"),
            ("12345678901A", "数字だけを12桁で入力してください。"),
        ):
            with pytest.raises(FieldError) as caught:
                field.clean(typed)
            assert str(caught.value) == message
            assert "エネモール" not in str(caught.value)
    with translation.override("en"), pytest.raises(FieldError) as caught:
        field.clean("12345")
    assert str(caught.value) == "Enter 12 digits (this has 5)."
    assert field.clean("1234-5678-9012") == "123456789012"


def test_another_pattern_says_the_form_is_wrong_without_repeating_the_help():
    from django.utils import translation

    [field] = parse_schema(
        [{"name": "code", "type": "text", "label": "記号", "pattern": "[A-Z]{2}", "help": "英大文字2文字"}]
    )
    with translation.override("ja"), pytest.raises(FieldError) as caught:
        field.clean("ab")
    assert str(caught.value) == "入力の形式が正しくありません。この欄の説明をご覧ください。"


def test_fields_of_other_move_kinds_are_not_asked():
    _values, errors = clean_values(SCHEMA, {"kana": "ア", "later": "x"}, kinds=["move_out"])
    assert errors == {"later": errors["later"]}  # unknown for a move-out
    values, errors = clean_values(SCHEMA, {"kana": "ア", "later": "x"}, kinds=["move_in"])
    assert errors == {} and values["later"] == "x"


def test_required_and_optional():
    _values, errors = clean_values(SCHEMA, {})
    assert list(errors) == ["kana"]
    with pytest.raises(FieldError):
        SCHEMA[0].clean("   ")


@pytest.mark.parametrize("window", [[7, -7], [0], "x", [-400, 0], [0, 1.5]])
def test_a_move_window_must_make_sense(window):
    with pytest.raises(SchemaError) as caught:
        parse_schema([{"name": "d", "type": "date", "label": "日", "move_window": window}])
    assert "fields[0].move_window" in {p for p, _m in caught.value.errors}


def test_a_file_from_before_the_declarations_still_makes_the_resident_registration_required(db, tmp_path):
    from hikkoshi.directory.transfer import directory_import

    directory_import(path=PACKAGE / "directory" / "data" / "sapporo.json")
    data = json.loads(SHIPPED.read_text())
    old = [{k: v for k, v in p.items() if k not in ("required", "end", "shares")} for p in data["procedures"]]
    target = tmp_path / "old.json"
    target.write_text(json.dumps({**data, "procedures": old}, ensure_ascii=False))
    catalogue_import(path=target)
    assert set(Procedure.objects.filter(required=True).values_list("slug", flat=True)) == {
        "sapporo-move-out",
        "sapporo-move-in",
    }
    # Every common item, as before the declaration.
    assert len(Procedure.objects.get(slug="hokkaido-shimbun-subscription").shares) == 8
