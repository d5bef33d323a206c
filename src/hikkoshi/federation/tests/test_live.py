"""Partners that offer only a search per place (``kansai-json``), asked live from the
organisation search — the page and ``/api/v1/organisations`` — against the fake portal on
127.0.0.1: a total deadline, a size cap, answers kept per place in a table, a cool-off after
three failures shared through the peer's row, the portal and the date of its answer named."""

from datetime import timedelta
import time

import pytest

from hikkoshi.federation import live
from hikkoshi.federation.fakes.kansai_json import KansaiJsonFake
from hikkoshi.federation.models import LiveAnswer, Peer

DEADLINE = 1.0
TWENTY_MB = 20 * 1024 * 1024


@pytest.fixture
def quick(settings):
    settings.HIKKOSHI_FEDERATION = {
        **settings.HIKKOSHI_FEDERATION,
        "live_deadline": DEADLINE,
        "live_max_bytes": 64 * 1024,
        "cool_off": 300,
    }


@pytest.fixture
def kansai(db, quick):
    with KansaiJsonFake() as fake:
        Peer.objects.create(
            slug="kansai",
            name="関西引越し手続きサービス",
            base_url=fake.url,
            adapter="kansai-json",
            areas=["27", "28"],
            served_areas=["27", "28"],
            credential=fake.key,
        )
        yield fake


def _api(client, postcode="530-0001", **params):
    answer = client.get("/api/v1/organisations", {"postcode": postcode, **params}, HTTP_ACCEPT_LANGUAGE="ja")
    assert answer.status_code == 200
    return answer.json()["organisations"]


def _from_kansai(organisations):
    return {org["id"]: org for org in organisations if org["origin"]["id"] == "kansai"}


def _searches(fake):
    return sum(1 for r in fake.received if r.path.startswith("/api/v2/jigyosha"))


def _expire():
    """The answer held expires (as time would make it; this process's memo of it forgotten)."""
    LiveAnswer.objects.update(expires_at=LiveAnswer.objects.get().answered_at - timedelta(seconds=1))
    live.forget_peers()


def test_a_per_query_peer_is_asked_once_per_place_and_its_answer_named_and_dated(kansai, client):
    found = _from_kansai(_api(client))
    assert set(found) == {"kansai:kansai-27127-kuyakusho", "kansai:kansai-27-gas"}
    office = found["kansai:kansai-27127-kuyakusho"]
    assert office["origin"]["name"] == "関西引越し手続きサービス" and office["origin"]["copied_at"]
    assert office["name_kana"].startswith("オオサカシキタクヤクショ")
    assert kansai.received[-1].headers["authorization"] == f"Bearer {kansai.key}"
    # Kept per place in the table every process reads: asked once.
    assert _api(client) and _searches(kansai) == 1
    assert LiveAnswer.objects.get().place == "5300001"
    live.forget_peers()  # as another process, which has memoised nothing: the row answers
    assert _from_kansai(_api(client)) and _searches(kansai) == 1
    # One category: only the gas company.
    assert set(_from_kansai(_api(client, category="gas"))) == {"kansai:kansai-27-gas"}
    # Another place it serves is asked; one outside its areas (Sapporo) never.
    assert _from_kansai(_api(client, "530-0041")) and _searches(kansai) == 2
    assert not _from_kansai(_api(client, "060-0042")) and _searches(kansai) == 2
    page = client.get("/search/", {"postcode": "530-0001"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "大阪市北区役所 関西窓口（見本）" in page and "関西引越し手続きサービス" in page


@pytest.mark.parametrize("switch", ["black_hole", "trickle", "huge", "down"])
def test_a_failing_peer_costs_at_most_the_deadline_and_cools_off_after_three(kansai, client, switch):
    assert _from_kansai(_api(client))  # an answer is held
    _expire()
    if switch == "down":
        kansai.stop()
    elif switch == "huge":
        kansai.switches.huge = TWENTY_MB
    else:
        setattr(kansai.switches, switch, 0.05 if switch == "trickle" else True)
    for failures in (1, 2, 3):
        started = time.monotonic()
        organisations = _api(client)
        assert time.monotonic() - started < DEADLINE + 1.0
        # The last answer is shown meanwhile, with its date.
        assert _from_kansai(organisations)
        assert Peer.objects.get().failures == failures
    assert Peer.objects.get().skipped()
    live.forget_peers()  # another process sees the cool-off in the row
    asked = len(kansai.received)
    started = time.monotonic()
    page = client.get("/search/", {"postcode": "530-0001"}, HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200 and time.monotonic() - started < DEADLINE
    assert len(kansai.received) == asked  # cooling off: not asked, by any process (a row)
    assert "現在接続できません" in page.content.decode()


def test_without_an_answer_held_the_page_says_the_portal_cannot_be_reached(kansai, client):
    kansai.switches.black_hole = True
    page = client.get("/search/", {"postcode": "530-0001"}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "連携先ポータル「関西引越し手続きサービス」に現在接続できません" in page
    assert not LiveAnswer.objects.exists()


@pytest.mark.parametrize("switch", ["markup", "javascript_link", "outside_area"])
def test_an_answer_breaking_a_rule_is_not_shown(kansai, client, switch):
    setattr(kansai.switches, switch, True)
    assert not _from_kansai(_api(client))
    assert Peer.objects.get().last_error == "invalid_data"
    assert not LiveAnswer.objects.exists()


def test_peers_with_a_directory_or_signing_are_not_asked_live(db):
    Peer.objects.create(slug="kanto", base_url="http://127.0.0.1:9", adapter="renrakucho", areas=["13"])
    Peer.objects.create(slug="osaka", base_url="http://127.0.0.1:9", thumbprints=["A" * 43], areas=["27"])
    assert live.live_peers() == []


def test_where_a_peer_asked_live_serves_its_entries_win_over_this_portal_s_own(db, quick, client, tmp_path):
    from hikkoshi.directory.tests.test_portal_copies import document, org
    from hikkoshi.directory.transfer import directory_import

    shipped = tmp_path / "osaka.json"
    shipped.write_text(
        document(org("kita-ward", "27127", name="北区役所（出荷版）"), org("sapporo", "01100", name="札幌"))
    )
    directory_import(path=shipped)
    assert {o["name"] for o in _api(client)} == {"北区役所（出荷版）"}
    with KansaiJsonFake() as fake:
        Peer.objects.create(
            slug="kansai", base_url=fake.url, adapter="kansai-json", areas=["27", "28"], credential=fake.key
        )
        names = {(o["origin"]["id"], o["name"]) for o in _api(client)}
    assert ("kansai", "大阪市北区役所 関西窓口（見本）") in names
    assert not any(name == "北区役所（出荷版）" for _, name in names)  # the peer's wins there
    assert {o["name"] for o in _api(client, "060-0042")} == {"札幌"}  # elsewhere this portal's own
    Peer.objects.get().delete()
    assert "北区役所（出荷版）" in {o["name"] for o in _api(client)}
