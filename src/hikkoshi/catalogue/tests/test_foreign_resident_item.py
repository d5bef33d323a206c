"""The common item of foreign residents' data (``CommonItem.FOREIGN_RESIDENT``) and catalogue 0005,
which lets a procedure list it."""

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
import pytest

from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.catalogue.models import Procedure, all_common_items, shared_items

BEFORE = ("catalogue", "0004_channel_choices_from_registry")
AFTER = ("catalogue", "0005_shares_foreign_resident")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor


def test_the_residence_change_form_lists_it_and_nothing_else_does(sapporo):
    listing = {p.slug for p in Procedure.objects.all() if CommonItem.FOREIGN_RESIDENT in (p.shares or [])}
    assert listing == {"sapporo-move-in", "sapporo-move-out"}  # the 住民異動届 only
    assert all(p.official_form == "juminido" for p in Procedure.objects.filter(slug__in=listing))


def test_a_procedure_declaring_nothing_does_not_get_it():
    assert CommonItem.FOREIGN_RESIDENT not in all_common_items()
    assert CommonItem.FOREIGN_RESIDENT not in shared_items({})  # a version made before shares existed
    assert set(all_common_items()) == set(CommonItem.values) - {CommonItem.FOREIGN_RESIDENT}


def test_the_field_accepts_the_item_and_refuses_an_unknown_one(sapporo):
    procedure = Procedure.objects.get(slug="sapporo-water-start")
    procedure.shares = [*procedure.shares, "foreign_resident"]
    procedure.full_clean()
    procedure.shares = [*procedure.shares, "passport_number"]
    with pytest.raises(ValidationError) as refused:
        procedure.full_clean()
    assert "shares" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_migration_0005_goes_both_ways_and_keeps_what_procedures_receive(sapporo):
    before = {p.slug: list(p.shares) for p in Procedure.objects.all()}
    old_apps = migrate(BEFORE).loader.project_state(BEFORE).apps
    OldProcedure = old_apps.get_model("catalogue", "Procedure")
    assert {p.slug: list(p.shares) for p in OldProcedure.objects.all()} == before
    validator = OldProcedure._meta.get_field("shares").validators[0]
    assert "foreign_resident" not in validator.choices  # what 0005 adds
    new_apps = migrate(AFTER).loader.project_state(AFTER).apps
    NewProcedure = new_apps.get_model("catalogue", "Procedure")
    assert "foreign_resident" in NewProcedure._meta.get_field("shares").validators[0].choices
    assert {p.slug: list(p.shares) for p in Procedure.objects.all()} == before
