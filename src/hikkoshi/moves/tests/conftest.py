from datetime import timedelta

from django.utils import timezone
import pytest

from hikkoshi.accounts.models import ApiToken
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.japanese import format_wareki


@pytest.fixture
def mover(django_user_model):
    return django_user_model.objects.create_user("mover@example.jp", "mover@example.jp", "pw-for-tests")


@pytest.fixture
def api(client, mover):
    """A client with a bearer token of ``mover``."""
    _token, secret = ApiToken.issue(mover)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def moving_day():
    """Three weeks from today: the tests do not age."""
    return timezone.localdate() + timedelta(days=21)


def sapporo_relocation(**overrides) -> dict:
    """A valid move between two Sapporo wards (中央区 → 北区, 転居), three weeks from today."""
    day = moving_day()
    stop, start = (day - timedelta(days=1)).isoformat(), day.isoformat()
    payload = {
        "from": {"postcode": "060-0042", "address": "札幌市中央区大通西3丁目"},
        "to": {"postcode": "001-0024", "address": "札幌市北区北24条西6丁目1-1", "building": "ハイツ北 201"},
        "move_date": format_wareki(day),  # 和暦, as people write it
        "applicant": {
            "name": "札幌 太郎",
            "name_kana": "さっぽろ たろう",
            "birth_date": "S60.5.5",
            "phone": "090-1234-5678",
            "email": "taro@example.jp",
        },
        "members": [{"name": "札幌 花子", "name_kana": "ｻｯﾎﾟﾛ ﾊﾅｺ", "birth_date": "1988-07-07", "relationship": "妻"}],
        "procedures": [
            {"id": "sapporo-move-in", "fields": {}},
            {"id": "sapporo-water-stop", "fields": {"stop_date": stop}},
            {"id": "sapporo-water-start", "fields": {"start_date": start}},
            {"id": "hokkaido-gas-stop", "fields": {"stop_date": stop}},
            {"id": "hokkaido-gas-start", "fields": {"start_date": start, "visit_slot": "am"}},
            {"id": "hepco-electricity-stop", "fields": {"stop_date": stop, "billing_number": "1234 5678 9012"}},
            {"id": "hepco-electricity-start", "fields": {"start_date": start}},
        ],
        "consent": True,  # the mover agrees to which data goes where
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def sapporo_defaults(sapporo):
    """The shipped catalogue, whose stop, start and subscription dates default to the moving day
    (``"default": "move_date"``)."""
    return sapporo


@pytest.fixture
def sapporo_without_defaults(sapporo, tmp_path):
    """The shipped catalogue with the ``"default"`` of every date taken out (a catalogue of an
    organisation that wants each date typed), imported like any catalogue."""
    import json

    from hikkoshi.catalogue.services import catalogue_import
    from hikkoshi.catalogue.tests.conftest import PACKAGE

    data = json.loads((PACKAGE / "catalogue" / "data" / "sapporo.json").read_text())
    for procedure in data["procedures"]:
        for spec in procedure["fields"]:
            spec.pop("default", None)
    path = tmp_path / "sapporo-without-defaults.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    catalogue_import(path=path)
