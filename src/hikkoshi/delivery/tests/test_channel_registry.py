"""Channels as plugins: the registry is the only list of channels, refuses a name twice, and a
channel added by the setting alone shows up everywhere (``hikkoshi.channels``)."""

import json
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings
from django.utils import translation
import pytest

from hikkoshi import channels
from hikkoshi.catalogue.models import Procedure
from hikkoshi.catalogue.tests.test_admin import _form
from hikkoshi.channels import Channel, Registry, StandIns
from hikkoshi.delivery.models import Delivery
from hikkoshi.delivery.tests import pigeon

PIGEON = "hikkoshi.delivery.tests.pigeon"
SHIPPED = ["web", "email", "fax", "window"]
PACKAGE = Path(__file__).resolve().parents[2]


def with_pigeon(settings):
    return override_settings(HIKKOSHI_CHANNELS=[*settings.HIKKOSHI_CHANNELS, PIGEON])


# -- the registry -----------------------------------------------------------------------------------


def test_the_setting_lists_the_shipped_channels_once(settings):
    assert channels.registry().names() == SHIPPED
    assert len(settings.HIKKOSHI_CHANNELS) == len(set(settings.HIKKOSHI_CHANNELS)) == len(SHIPPED)


def test_a_name_is_taken_once():
    class Post(Channel):
        name = "post"

    class OtherPost(Channel):
        name = "post"

    registry = Registry([Post])
    with pytest.raises(ImproperlyConfigured, match="Two channels are named 'post'"):
        registry.register(OtherPost)
    assert [c.name for c in registry] == ["post"]


def test_a_module_named_twice_in_the_setting_is_refused(settings):
    with override_settings(HIKKOSHI_CHANNELS=[*settings.HIKKOSHI_CHANNELS, "hikkoshi.delivery.channels.fax"]):
        with pytest.raises(ImproperlyConfigured, match="Two channels are named 'fax'"):
            channels.registry()
    assert channels.registry().names() == SHIPPED  # the setting as it was: the registry as it was


@pytest.mark.parametrize("name", ["", "Fax", "fax-2", "a_very_long_name", None])
def test_a_channel_needs_a_name_the_models_can_store(name):
    class Nameless(Channel):
        pass

    Nameless.name = name
    with pytest.raises(ImproperlyConfigured, match="a channel's name"):
        Registry([Nameless])


def test_a_module_without_its_channel_is_refused(settings):
    with override_settings(HIKKOSHI_CHANNELS=["hikkoshi.delivery.channels.base"]):
        with pytest.raises(ImproperlyConfigured, match="has no CHANNEL"):
            channels.registry()


def test_an_unknown_channel_is_a_lookup_error_and_not_in_person():
    with pytest.raises(LookupError):
        channels.get("pigeon")
    assert channels.in_person("pigeon") is False
    assert channels.japanese_label("pigeon") == "pigeon"


# -- registry and choices agree ---------------------------------------------------------------------


@pytest.mark.parametrize("model", [Procedure, Delivery])
def test_the_models_choices_are_the_registrys(model):
    field = model._meta.get_field("channel")
    assert list(field.choices) == [(c.name, c.label) for c in channels.registry()]
    assert field.max_length >= max(len(name) for name in channels.registry().names())


@pytest.mark.parametrize("app, model", [("catalogue", "procedure"), ("delivery", "delivery")])
def test_the_migrations_store_the_registry_not_a_list(app, model):
    """The stored choices are the callable, so a new channel needs no migration."""
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    field = state.models[app, model].fields["channel"]
    assert field.choices.func is channels.choices


def test_a_new_channel_needs_no_migration(settings, db):
    with with_pigeon(settings):
        call_command("makemigrations", "catalogue", "delivery", "--check", "--dry-run", verbosity=0)


def test_the_shipped_catalogue_uses_installed_channels():
    data = json.loads((PACKAGE / "catalogue" / "data" / "sapporo.json").read_text(encoding="utf-8"))
    assert {p["channel"] for p in data["procedures"]} <= set(channels.registry().names())


def test_what_the_shipped_channels_declare():
    web, email, fax, window = (channels.get(name) for name in SHIPPED)
    assert [c.sends for c in (web, email, fax, window)] == [True, True, True, False]
    assert [channels.in_person(name) for name in SHIPPED] == [False, False, False, True]
    # As the forms organisations receive name them, whatever the language.
    assert [channels.japanese_label(name) for name in SHIPPED] == ["Web", "メール", "FAX", "窓口"]
    assert [s.key for s in web.settings_schema] == ["endpoint"]
    assert [s.key for s in email.settings_schema] == ["to"]
    assert [s.key for s in fax.settings_schema] == ["fax_number"]
    assert window.settings_schema == ()


@pytest.mark.parametrize(
    "name, settings, problems",
    [
        ("web", {}, ["The web channel needs “endpoint”."]),
        ("web", {"sample": True}, []),  # a shipped sample: the operator sets it
        ("web", {"endpoint": "ftp://example.jp/"}, 1),
        ("web", {"endpoint": "https://example.jp/applications"}, []),
        ("email", {"to": "not an address"}, 1),
        ("email", {"to": "jumin@city.example.jp"}, []),
        ("fax", {"fax_number": "12"}, 1),
        ("fax", {"fax_number": "011-211-2222"}, []),
        ("window", {}, []),
        ("window", [], ["Expected an object."]),
    ],
)
def test_each_channel_checks_its_settings(name, settings, problems):
    with translation.override("en"):
        found = channels.validate_settings(name, settings)
    assert (len(found) if isinstance(problems, int) else found) == problems


def test_is_configured_says_whether_a_sample_still_lacks_its_destination():
    fax = channels.get("fax")
    assert not fax.is_configured({"sample": True})
    assert fax.is_configured({"fax_number": "011-211-2222"})
    assert channels.get("window").is_configured({})


# -- a channel added by the setting alone -----------------------------------------------------------


def test_a_channel_module_in_the_setting_is_a_choice_and_validated(settings, sapporo):
    water = Procedure.objects.get(slug="sapporo-water-start")
    with with_pigeon(settings), translation.override("en"):
        assert ("pigeon", "Carrier pigeon") in list(Procedure._meta.get_field("channel").choices)
        assert "pigeon" in dict(Delivery._meta.get_field("channel").flatchoices)
        water.channel = "pigeon"
        water.channel_settings = {}
        with pytest.raises(Exception) as refused:
            water.full_clean()
        assert refused.value.message_dict == {"channel_settings": ["The pigeon channel needs “loft”."]}
        water.channel_settings = {"loft": "the roof"}
        with pytest.raises(Exception) as refused:
            water.full_clean()
        assert refused.value.message_dict == {"channel_settings": ["A loft is named loft-…."]}
        water.channel_settings = {"loft": "loft-sapporo"}
        water.full_clean()
    # Without it in the setting, the channel is gone again.
    assert "pigeon" not in dict(Procedure._meta.get_field("channel").flatchoices)
    with pytest.raises(Exception) as refused:
        water.full_clean()
    assert "channel" in refused.value.message_dict


def test_a_channel_module_in_the_setting_is_offered_by_the_admin(settings, sapporo, admin_client):
    water = Procedure.objects.get(slug="sapporo-water-start")
    url = f"/admin/catalogue/procedure/{water.pk}/change/"
    with with_pigeon(settings):
        page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<option value="pigeon">Carrier pigeon</option>' in page
        assert "“loft”: The organisation&#x27;s loft." in page and "“ring” (optional)" in page
        refused = admin_client.post(
            url, _form(water, channel="pigeon", channel_settings="{}"), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert refused.status_code == 200 and "The pigeon channel needs “loft”." in refused.content.decode()
        saved = admin_client.post(url, _form(water, channel="pigeon", channel_settings='{"loft": "loft-1"}'))
        assert saved.status_code == 302, saved.content.decode()[:3000]
    water.refresh_from_db()
    assert water.channel == "pigeon" and water.current_version.definition["channel"] == "pigeon"


def test_a_channel_module_in_the_setting_delivers_and_cleans_up(settings, sapporo, mover):
    from hikkoshi.delivery import services
    from hikkoshi.moves.constants import ProcedureStatus
    from hikkoshi.moves.services import move_submit
    from hikkoshi.moves.tests.conftest import sapporo_relocation

    water = Procedure.objects.get(slug="sapporo-water-start")
    with with_pigeon(settings):
        water.channel, water.channel_settings = "pigeon", {"loft": "loft-sapporo"}
        water.save()
        move = move_submit(owner=mover, payload=sapporo_relocation())
        delivery = Delivery.objects.get(entry__move=move, entry__version__procedure=water)
        assert delivery.channel == "pigeon" and delivery.status == ProcedureStatus.QUEUED
        services.deliver(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == ProcedureStatus.DELIVERED and delivery.reference == f"PIGEON-{delivery.pk}"
        assert str(delivery.idempotency_key) in pigeon.SENT
        forget = services.spooled_files_forgetter([move.pk])
        forget()
        assert str(delivery.idempotency_key) in pigeon.FORGOTTEN


def test_the_sandbox_gives_a_sample_of_any_channel_its_stand_in(settings, sapporo):
    from hikkoshi.delivery.sandbox.demo import configure_sample_destinations

    water = Procedure.objects.get(slug="sapporo-water-start")
    with with_pigeon(settings):
        water.channel, water.channel_settings = "pigeon", {"sample": True}
        water.save()
        changed = configure_sample_destinations()
    water.refresh_from_db()
    assert water.channel_settings == {"loft": "loft-sandbox.localhost", "sample": True}
    email = Procedure.objects.filter(channel="email").first()
    fax = Procedure.objects.filter(channel="fax").first()
    assert email.channel_settings == {"to": f"{email.slug}@sandbox.localhost", "sample": True}
    assert fax.channel_settings == {"fax_number": "011-000-0000", "sample": True}
    # The web procedures ship pointed at the sandbox receiver; the window ones send nothing.
    assert set(changed) == {
        water.slug,
        *Procedure.objects.filter(channel__in=["email", "fax"]).values_list("slug", flat=True),
    }


def test_each_sending_channel_points_at_the_stand_ins():
    stand_ins = StandIns(
        receiver_url=lambda path: f"http://127.0.0.1:9/x{path}", mail_domain="sink.localhost", fax_number="011-000-0000"
    )
    points = {
        c.name: c.stand_in_settings(procedure="p", organisation="org", stand_ins=stand_ins) for c in channels.registry()
    }
    assert points == {
        "web": {"endpoint": "http://127.0.0.1:9/x/org/applications"},
        "email": {"to": "p@sink.localhost"},
        "fax": {"fax_number": "011-000-0000"},
        "window": {},
    }


def test_the_window_channel_sends_nothing_and_has_nothing_to_report():
    from hikkoshi.delivery.channels.base import Outcome
    from hikkoshi.delivery.tests.test_email_channel import outgoing

    window = channels.get("window")
    assert window.sends is False  # the mover takes the printed form to the counter
    assert window.send(outgoing()) == Outcome()  # no reference, no message, no receipt
    assert window.forget("any-key") == 0
