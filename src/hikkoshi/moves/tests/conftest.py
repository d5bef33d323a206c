import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401  (the shipped data)
from hikkoshi.moves.models import ApiToken


@pytest.fixture
def mover(django_user_model):
    return django_user_model.objects.create_user("mover@example.jp", "mover@example.jp", "pw-for-tests")


@pytest.fixture
def api(client, mover):
    """A client with a bearer token of ``mover``."""
    _token, secret = ApiToken.issue(mover)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def sapporo_relocation(**overrides) -> dict:
    """A valid move between two Sapporo wards (中央区 → 北区, 転居)."""
    payload = {
        "from": {"postcode": "060-0042", "address": "札幌市中央区大通西3丁目"},
        "to": {"postcode": "001-0024", "address": "札幌市北区北24条西6丁目1-1", "building": "ハイツ北 201"},
        "move_date": "令和8年4月1日",
        "applicant": {"name": "札幌 太郎", "name_kana": "さっぽろ たろう", "birth_date": "S60.5.5",
                      "phone": "090-1234-5678", "email": "taro@example.jp"},
        "members": [{"name": "札幌 花子", "name_kana": "ｻｯﾎﾟﾛ ﾊﾅｺ", "birth_date": "1988-07-07",
                     "relationship": "妻"}],
        "procedures": [
            {"id": "sapporo-move-in", "fields": {"householder_relationship": "本人"}},
            {"id": "sapporo-water", "fields": {"stop_date": "2026-03-31", "start_date": "2026-04-01"}},
            {"id": "hokkaido-gas", "fields": {"stop_date": "2026-03-31", "start_date": "2026-04-01",
                                              "visit_slot": "am"}},
            {"id": "hepco-electricity", "fields": {"stop_date": "2026-03-31", "start_date": "2026-04-01",
                                                   "billing_number": "1234 5678 9012"}},
        ],
    }
    payload.update(overrides)
    return payload
