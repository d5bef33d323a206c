"""The adapters for partner portals that do not speak the common interface, each against a real
server on 127.0.0.1 speaking that portal's own format (``hikkoshi.federation.fakes``)."""

import copy
from datetime import date
import hashlib
import json
from pathlib import Path
import re
import time

from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
import pytest

from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.directory.transfer import validate_partner_directory
from hikkoshi.federation import adapters, dataset
from hikkoshi.federation.adapters import (
    Adapter,
    AnswerTooLarge,
    BadAnswer,
    DeadlineExceeded,
    DirectoryCopy,
    DirectoryRefused,
    Endpoint,
    NotModified,
    NotOffered,
    NotRepresentable,
    PeerUnreachable,
    Refused,
    Registry,
)
from hikkoshi.federation.adapters.http import exchange
from hikkoshi.federation.adapters.kansai_json import KansaiJson
from hikkoshi.federation.adapters.renrakucho import Renrakucho
from hikkoshi.federation.fakes import FakePortal, Reply
from hikkoshi.federation.fakes.kansai_json import KansaiJsonFake
from hikkoshi.federation.fakes.renrakucho import RenrakuchoFake
from hikkoshi.moves.tests.conftest import mover  # noqa: F401 (a fixture)
from hikkoshi.moves.tests.test_pages import signed_in  # noqa: F401 (a fixture)

DEADLINE = 1.0  # for a peer that fails; one that answers gets ANSWERS (the machine may be busy)
ANSWERS = 10.0
MARGIN = 1.0  # the event loop's start and the thread's; far below what a per-read timeout costs
TWENTY_MB = 20 * 1024 * 1024


def example() -> dict:
    """The published example of the common data set (docs/federation-data-set.md): a move with
    every item agreed to, a household of four."""
    page = (Path(dataset.__file__).resolve().parents[3] / "docs" / "federation-data-set.md").read_text()
    found = re.search(r"```json\n(.*?)\n```", page, re.S)
    assert found is not None
    document = json.loads(found.group(1))
    assert dataset.validate(document) == {}
    return document


def to_osaka(document: dict) -> dict:
    """The example moving from Sapporo to Osaka (a 転出), 国籍 given for the grandmother."""
    document = copy.deepcopy(document)
    content = document["申請内容（B票）"]["内容"]
    content["新住所"] = {
        "郵便番号": "5300001",
        "全国地方公共団体コード": "271276",
        "都道府県": "大阪府",
        "市区町村（郡）": "大阪市北区",
        "町字以下": "梅田1丁目1",
        "町字": "梅田",
        "番地以下": "1丁目1",
        "建物名等（方書）": "梅田タワー 12階 1203号室",
        "連結表記": "大阪府大阪市北区梅田1丁目1 梅田タワー 12階 1203号室",
    }
    content["世帯員"][2]["国籍"] = "VN"
    assert dataset.validate(document) == {}
    return document


def without(document: dict, paths) -> dict:
    """The document without the items at ``paths`` (``a.b``, ``a.list[1].c``)."""
    document = copy.deepcopy(document)
    for path in paths:
        keys = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        node = document
        for key in keys[:-1]:
            node = node[int(key[1:-1])] if key.startswith("[") else node[key]
        del node[keys[-1]]
    return document


@pytest.fixture
def kanto():
    with RenrakuchoFake() as fake:
        yield fake


@pytest.fixture
def kansai():
    with KansaiJsonFake() as fake:
        yield fake


def kanto_peer(fake, **changes) -> Endpoint:
    values = dict(
        slug="kanto",
        base_url=fake.url,
        credential=getattr(fake, "api_key", ""),
        areas=("13", "14"),
        deadline=ANSWERS,
        max_bytes=1024 * 1024,
    )
    return Endpoint(**{**values, **changes})


def kansai_peer(fake, **changes) -> Endpoint:
    values = dict(
        slug="kansai",
        base_url=fake.url,
        credential=fake.key,
        areas=("27", "28"),
        deadline=ANSWERS,
        max_bytes=1024 * 1024,
    )
    return Endpoint(**{**values, **changes})


# -- the registry -----------------------------------------------------------------------------------


def test_the_registry_has_both_adapters_by_name():
    assert adapters.registry().names() == ["renrakucho", "kansai-json"]
    assert isinstance(adapters.get("renrakucho"), Renrakucho)
    assert isinstance(adapters.get("kansai-json"), KansaiJson)
    with pytest.raises(LookupError):
        adapters.get("hikkoshi")


def test_the_registry_refuses_a_name_twice_a_bad_name_and_a_module_without_adapter():
    with pytest.raises(ImproperlyConfigured, match="Two adapters"):
        Registry([Renrakucho, Renrakucho])

    class Bad(Adapter):
        name = "Kanto JSON"

    with pytest.raises(ImproperlyConfigured, match="name"):
        Registry([Bad])
    with pytest.raises(ImproperlyConfigured, match="has no ADAPTER"):
        Registry.from_modules(["hikkoshi.federation.adapters.mapping"])


def test_the_setting_names_the_installed_adapters():
    with override_settings(HIKKOSHI_FEDERATION_ADAPTERS=["hikkoshi.federation.adapters.kansai_json"]):
        assert adapters.registry().names() == ["kansai-json"]
        with pytest.raises(LookupError):
            adapters.get("renrakucho")
    assert "renrakucho" in adapters.registry()


def test_what_each_adapter_offers():
    assert (Renrakucho.offers_directory, Renrakucho.offers_search) == (True, False)
    assert (KansaiJson.offers_directory, KansaiJson.offers_search) == (False, True)


# -- renrakucho: the directory ------------------------------------------------------------------------


def test_renrakucho_directory_is_read_from_cp932_csv_into_the_directory_format(kanto):
    copy_ = Renrakucho().directory(kanto_peer(kanto))
    assert isinstance(copy_, DirectoryCopy)
    assert copy_.last_modified == "Tue, 01 Dec 2026 00:00:00 GMT"
    assert copy_.answer_sha256 == hashlib.sha256(kanto.csv_bytes()).hexdigest()
    orgs = {org["slug"]: org for org in copy_.organisations}
    assert set(orgs) == {"kanto-k13101-kuyakusho", "kanto-k13104-kuyakusho", "kanto-k13-denki"}
    chiyoda = orgs["kanto-k13101-kuyakusho"]
    assert chiyoda["category"] == "ward_office"
    assert chiyoda["name"] == "千代田区役所 れんらく帳窓口（見本）"
    assert chiyoda["name_kana"] == "チヨダクヤクショ レンラクチョウマドグチ"  # half-width → full-width
    assert chiyoda["postcode"] == "1028688"
    assert chiyoda["last_checked"] == "2026-11-30"
    assert chiyoda["verification"] == "third_party"
    assert chiyoda["contacts"][0] == {"kind": "phone", "value": "03-5555-0101", "label": "", "verification": ""}
    assert [a["area_code"] for a in orgs["kanto-k13-denki"]["areas"]] == ["13", "14"]
    # What ``directory import`` reads: the copy passes the partner rules again as it stands.
    assert validate_partner_directory(copy_.document, allowed_areas=["13", "14"]) == []
    request = kanto.received[-1]
    assert request.headers["x-renrakucho-api-key"] == kanto.api_key
    assert "if-modified-since" not in request.headers


def test_renrakucho_directory_unchanged_since_last_modified_is_not_modified(kanto):
    peer = kanto_peer(kanto)
    first = Renrakucho().directory(peer)
    again = Renrakucho().directory(peer, since=first.last_modified)
    assert again == NotModified(first.last_modified)
    assert kanto.received[-1].headers["if-modified-since"] == first.last_modified
    assert isinstance(Renrakucho().directory(peer, since="Sun, 01 Nov 2026 00:00:00 GMT"), DirectoryCopy)


def test_renrakucho_with_a_wrong_api_key_is_refused(kanto):
    with pytest.raises(Refused) as caught:
        Renrakucho().directory(kanto_peer(kanto, credential="wrong"))
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("switch", "where"),
    [
        ("markup", [(0, "name")]),
        # Both rules name it: a script link, and not an http(s) address (directory import's own).
        ("javascript_link", [(0, "contacts[1].value"), (0, "contacts[1].value")]),
        ("outside_area", [(1, "areas[1].area_code")]),
    ],
)
def test_renrakucho_data_breaking_a_rule_refuses_the_whole_copy(kanto, switch, where):
    setattr(kanto.switches, switch, True)
    with pytest.raises(DirectoryRefused) as caught:
        Renrakucho().directory(kanto_peer(kanto))
    assert [(p.index, p.field) for p in caught.value.problems] == where
    assert caught.value.reason == "invalid_data"


def test_renrakucho_bad_cp932_bytes_are_a_typed_error_never_half_a_copy(kanto):
    kanto.switches.bad_bytes = True
    with pytest.raises(BadAnswer, match="not cp932 at offset") as caught:
        Renrakucho().directory(kanto_peer(kanto))
    assert not isinstance(caught.value, DirectoryRefused)


def test_an_area_outside_the_allowed_ones_is_refused_even_in_a_good_file(kanto):
    with pytest.raises(DirectoryRefused):
        Renrakucho().directory(kanto_peer(kanto, areas=("13",)))  # the electricity serves 14 too
    assert isinstance(Renrakucho().directory(kanto_peer(kanto, areas=("13", "14"))), DirectoryCopy)


def test_a_ward_inside_an_allowed_designated_city_counts_as_inside():
    entry = {
        "slug": "kansai-kita",
        "category": "ward_office",
        "name": "北区役所",
        "areas": [{"area_code": "27127", "postcode_from": "", "postcode_to": ""}],
    }
    document = {"format": "hikkoshi-directory", "version": 1, "organisations": [entry]}
    assert validate_partner_directory(document, allowed_areas=["27100"]) == []
    assert validate_partner_directory(document, allowed_areas=["27"]) == []
    assert validate_partner_directory(document, allowed_areas=["27128"]) != []


@pytest.mark.parametrize(
    "text",
    ["<b>北区</b>", "北区<!-- x -->", "北区&lt;", "java\tscript:alert(1)", "DATA:text/html,<x>"],
)
def test_markup_and_script_links_are_refused_anywhere_in_a_partners_text(text):
    entry = {
        "slug": "kansai-kita",
        "category": "ward_office",
        "name": "北区役所",
        "note": text,
        "areas": [{"area_code": "27127", "postcode_from": "", "postcode_to": ""}],
    }
    document = {"format": "hikkoshi-directory", "version": 1, "organisations": [entry]}
    assert [p.field for p in validate_partner_directory(document, allowed_areas=["27"])] == ["note"]
    entry["note"] = "受付 9:00〜17:00 (土日 < 平日). data: 見本"
    assert validate_partner_directory(document, allowed_areas=["27"]) == []


# -- a peer that is down, black-holed, trickling or too large: at most the deadline ----------------


def _timed(call):
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 (the caller checks which)
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


@pytest.fixture(params=["renrakucho", "kansai-json"])
def any_peer(request, kanto, kansai):
    """(fake, the call that reads from it)."""
    if request.param == "renrakucho":
        return kanto, lambda deadline=DEADLINE: Renrakucho().directory(kanto_peer(kanto, deadline=deadline))
    return kansai, lambda deadline=DEADLINE: KansaiJson().search(kansai_peer(kansai, deadline=deadline), "530-0001")


def test_a_peer_down_is_unreachable_at_once(any_peer):
    fake, call = any_peer
    fake.stop()
    error, took = _timed(call)
    assert type(error) is PeerUnreachable
    assert took < DEADLINE


def test_a_black_holed_peer_costs_the_deadline(any_peer):
    fake, call = any_peer
    fake.switches.black_hole = True
    error, took = _timed(call)
    assert isinstance(error, DeadlineExceeded)
    assert DEADLINE - 0.05 <= took < DEADLINE + MARGIN


def test_a_peer_trickling_bytes_costs_the_deadline_not_a_timeout_per_read(any_peer):
    fake, call = any_peer
    fake.switches.trickle = 0.05  # 20 bytes a second: each read well within any per-read timeout
    error, took = _timed(lambda: call(deadline=1.5))
    assert isinstance(error, DeadlineExceeded)
    assert 1.45 <= took < 1.5 + MARGIN
    assert fake.bytes_written > 5  # it did send, slowly


def test_a_20_mb_answer_announced_is_refused_without_reading_it(any_peer):
    fake, call = any_peer
    fake.switches.huge = TWENTY_MB
    error, took = _timed(lambda: call(deadline=5.0))
    assert isinstance(error, AnswerTooLarge)
    assert "announces" in str(error)
    assert took < 5.0


def test_a_20_mb_answer_not_announced_is_dropped_at_the_cap(any_peer):
    fake, call = any_peer
    fake.switches.huge = TWENTY_MB
    fake.switches.huge_announced = False
    error, took = _timed(lambda: call(deadline=5.0))
    assert isinstance(error, AnswerTooLarge)
    assert "over" in str(error)
    assert took < 5.0
    time.sleep(0.2)
    assert fake.bytes_written < TWENTY_MB / 2  # the fake could not write the rest


def test_a_5xx_is_the_peer_failing(any_peer):
    fake, call = any_peer
    fake.switches.status = 503
    error, _took = _timed(call)
    assert type(error) is PeerUnreachable
    assert str(error) == "HTTP 503"


class Redirecting(FakePortal):
    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location

    def route(self, method, path, query, headers, body):
        if path == "/moved":
            return Reply(200, "text/plain", b"here")
        return Reply(302, "text/plain", b"", {"Location": self.location})


def test_redirects_are_followed_on_the_peers_host_only():
    with Redirecting("/moved") as fake:
        answer = exchange(kanto_peer(fake), "GET", fake.url + "/start", headers={})
        assert (answer.status, answer.body, answer.url) == (200, b"here", fake.url + "/moved")
    with Redirecting("http://localhost:9/elsewhere") as fake:
        with pytest.raises(BadAnswer, match="another host"):
            exchange(kanto_peer(fake), "GET", fake.url + "/start", headers={})
    with Redirecting("/start") as fake:
        with pytest.raises(BadAnswer, match="too many"):
            exchange(kanto_peer(fake), "GET", fake.url + "/start", headers={})


# -- renrakucho: the hand-over --------------------------------------------------------------------------

# What 引越れんらく帳's form has no field for: codes and parts of an address (its form takes the
# whole line and the 方書), 国籍, and the dates of the application itself.
RENRAKUCHO_NOT_SENT = {
    "個人申請基本情報（A票）.申請日",
    "申請内容（B票）.更新年月日",
    *(
        f"申請内容（B票）.内容.{end}.{item}"
        for end in ("旧住所", "新住所")
        for item in ("全国地方公共団体コード", "都道府県", "市区町村（郡）", "町字以下", "町字", "番地以下")
    ),
}


def test_renrakucho_hand_over_round_trip_nothing_retyped(kanto):
    document = example()
    answer = Renrakucho().handoff(kanto_peer(kanto), document, idempotency_key="k-1")
    assert answer.reference == "RR-000001"
    assert re.fullmatch(re.escape(kanto.url) + r"/renraku/tsuzuki\?t=[\w-]+", answer.continue_url)
    assert answer.signed is False
    # Exactly what was sent is what the portal received, and the record says so.
    (received,) = kanto.forms
    assert answer.sent.body == received
    assert answer.sent.content_type == "application/x-www-form-urlencoded; charset=Shift_JIS"
    form_request = [r for r in kanto.received if r.method == "POST"][-1]
    assert form_request.headers["x-renrakucho-api-key"] == kanto.api_key
    assert form_request.headers["idempotency-key"] == "k-1"
    # The portal reads its form as Shift_JIS, in its own fields and forms.
    fields = kanto.fields()
    assert fields["申請者氏名"] == "札幌 花子"
    assert fields["申請者フリガナ"] == "サッポロ　ハナコ"
    assert fields["申請者生年月日"] == "19880707"
    assert fields["申請者性別"] == "女"
    assert fields["世帯員1氏名"] == "札幌 太郎"
    assert fields["世帯員1続柄"] == "世帯主"
    assert fields["世帯員3氏名"] == "NGUYEN THI LAN"
    assert fields["新方書"] == "ハイツ北 201"
    assert fields["転居予定日"] == "2027/01/02"
    assert dict(answer.sent.fields) == fields
    # Read back, it is the same data set, less exactly what the record says was not sent.
    assert set(answer.sent.not_sent) == RENRAKUCHO_NOT_SENT
    assert Renrakucho().read_back(received) == without(document, RENRAKUCHO_NOT_SENT)
    # The answer's hash is of its bytes.
    page = [r for r in kanto.received if r.method == "POST"]
    assert len(page) == 1 and len(answer.answer_sha256) == 64


def test_renrakucho_hand_over_again_with_the_same_key_arrives_once(kanto):
    peer = kanto_peer(kanto)
    first = Renrakucho().handoff(peer, example(), idempotency_key="k-2")
    second = Renrakucho().handoff(peer, example(), idempotency_key="k-2")
    assert (first.reference, first.continue_url) == (second.reference, second.continue_url)
    assert first.answer_sha256 == second.answer_sha256
    assert len(kanto.forms) == 1


def test_a_character_shift_jis_lacks_stops_the_hand_over_before_anything_is_sent(kanto):
    document = example()
    member = document["申請内容（B票）"]["内容"]["世帯員"][1]
    member["氏名"], member["氏"] = "𠮷田 一郎", "𠮷田"
    plan = Renrakucho().plan_handoff
    with pytest.raises(NotRepresentable) as caught:
        plan(document)
    assert caught.value.path == "申請内容（B票）.内容.世帯員[1].氏名"
    with pytest.raises(NotRepresentable):
        Renrakucho().handoff(kanto_peer(kanto), document, idempotency_key="k-3")
    assert kanto.received == []


def test_renrakucho_takes_five_members_and_a_sixth_is_refused_not_dropped():
    document = example()
    members = document["申請内容（B票）"]["内容"]["世帯員"]
    child = members[1]
    members += [dict(child, 氏名=f"札幌 {n}郎", 名=f"{n}郎") for n in "二三"]
    assert Renrakucho().plan_handoff(document).fields[-1] == ("世帯員5続柄", "子")
    members.append(dict(child, 氏名="札幌 四郎", 名="四郎"))
    assert dataset.validate(document) == {}  # the data set takes nine
    with pytest.raises(NotRepresentable) as caught:
        Renrakucho().plan_handoff(document)
    assert caught.value.path == "申請内容（B票）.内容.世帯員[5]"


def test_only_the_consented_items_go_and_the_consent_goes_with_them(kanto):
    document = example()
    chosen = ["applicant_name", "new_address", "move_date"]
    document["提供項目"] = chosen
    document = without(
        document,
        [
            "個人申請基本情報（A票）.申請者.生年月日",
            "個人申請基本情報（A票）.申請者.性別",
            "個人申請基本情報（A票）.申請者.続柄",
            "個人申請基本情報（A票）.連絡先",
            "申請内容（B票）.内容.世帯員",
            "申請内容（B票）.内容.世帯主",
            "申請内容（B票）.内容.旧住所",
        ],
    )
    assert dataset.validate(document) == {}
    Renrakucho().handoff(kanto_peer(kanto), document, idempotency_key="k-4")
    fields = kanto.fields()
    assert fields["同意項目"] == "applicant_name,new_address,move_date"
    assert not any(name.startswith(("世帯員", "旧", "電話", "メール", "申請者生年")) for name in fields)
    assert Renrakucho().read_back(kanto.forms[0])["提供項目"] == chosen


def test_an_invalid_data_set_is_not_handed_over(kanto):
    document = example()
    del document["個人申請基本情報（A票）"]["申請者"]["氏名"]
    with pytest.raises(dataset.DataSetInvalid):
        Renrakucho().handoff(kanto_peer(kanto), document, idempotency_key="k-5")
    assert kanto.received == []


def test_an_answer_page_without_a_reference_or_sending_the_mover_elsewhere_is_a_bad_answer(kanto):
    original = kanto._page

    def page(status, title, body):
        return original(status, title, body.replace("/renraku/tsuzuki", "https://phish.example/renraku"))

    kanto._page = page
    with pytest.raises(BadAnswer, match="host"):
        Renrakucho().handoff(kanto_peer(kanto), example(), idempotency_key="k-6")
    kanto._page = lambda status, title, body: original(status, title, "<p>受け付けました。</p>")
    with pytest.raises(BadAnswer, match="受付番号"):
        Renrakucho().handoff(kanto_peer(kanto), example(), idempotency_key="k-7")


def test_a_hand_over_to_a_black_holed_renrakucho_costs_the_deadline(kanto):
    kanto.switches.black_hole = True
    peer = kanto_peer(kanto, deadline=DEADLINE)
    error, took = _timed(lambda: Renrakucho().handoff(peer, example(), idempotency_key="k-8"))
    assert isinstance(error, DeadlineExceeded)
    assert took < DEADLINE + MARGIN


# -- kansai-json: search and hand-over ----------------------------------------------------------------


def test_kansai_search_gives_directory_entries_from_its_json(kansai):
    entries = KansaiJson().search(kansai_peer(kansai), "〒530-0001")
    assert kansai.received[-1].path == "/api/v2/jigyosha"
    assert kansai.received[-1].headers["authorization"] == f"Bearer {kansai.key}"
    kita, gas = entries
    assert kita["slug"] == "kansai-27127-kuyakusho"
    assert kita["category"] == "ward_office"
    assert kita["name_kana"] == "オオサカシキタクヤクショ カンサイマドグチ"
    assert kita["postcode"] == "5308401"
    assert kita["address"] == "大阪府大阪市北区扇町2-1-27"
    assert kita["last_checked"] == "2026-11-30"  # R8.11.30
    assert [c["kind"] for c in kita["contacts"]] == ["phone", "web"]
    assert gas["category"] == "gas" and [a["area_code"] for a in gas["areas"]] == ["27", "28"]
    assert KansaiJson().search(kansai_peer(kansai), "600-8001") == []


def test_kansai_offers_no_directory_and_renrakucho_no_search(kansai, kanto):
    with pytest.raises(NotOffered):
        KansaiJson().directory(kansai_peer(kansai))
    with pytest.raises(NotOffered):
        Renrakucho().search(kanto_peer(kanto), "1000001")
    assert kansai.received == kanto.received == []


@pytest.mark.parametrize("switch", ["markup", "javascript_link", "outside_area"])
def test_kansai_data_breaking_a_rule_is_refused_whole(kansai, switch):
    setattr(kansai.switches, switch, True)
    with pytest.raises(DirectoryRefused) as caught:
        KansaiJson().search(kansai_peer(kansai), "5300001")
    assert {p.index for p in caught.value.problems} == {0}


def test_kansai_with_a_wrong_key_is_refused(kansai):
    with pytest.raises(Refused) as caught:
        KansaiJson().search(kansai_peer(kansai, credential="wrong"), "5300001")
    assert caught.value.status == 401


def test_kansai_hand_over_round_trip_nothing_retyped(kansai):
    document = to_osaka(example())
    answer = KansaiJson().handoff(kansai_peer(kansai), document, idempotency_key="j-1")
    assert answer.reference == "KJ-00001"
    assert answer.continue_url.startswith(kansai.url + "/tsuzuki/")
    (received,) = kansai.bodies
    assert answer.sent.body == received
    body = kansai.received_json()
    # Its own JSON: half-width kana, 和暦, its own codes.
    assert body["applicant"]["shimei"] == "札幌 花子"
    assert body["applicant"]["kana"] == "ｻｯﾎﾟﾛ ﾊﾅｺ"
    assert body["applicant"]["birth"] == "S63.7.7"
    assert body["applicant"]["sex"] == "F"
    assert body["idobi"] == "R9.1.2"
    assert body["to"] == {
        "zip": "5300001",
        "city_code": "271276",
        "pref": "大阪府",
        "city": "大阪市北区",
        "town": "梅田",
        "banchi": "1丁目1",
        "addr": "梅田1丁目1",
        "bldg": "梅田タワー 12階 1203号室",
        "line": "大阪府大阪市北区梅田1丁目1 梅田タワー 12階 1203号室",
    }
    assert body["members"][2]["nationality"] == "VN"
    assert body["members"][1]["kana"] == "ｻｯﾎﾟﾛ ｲﾁﾛｳ"
    assert body["consent"] == ",".join(document["提供項目"])
    # Every item has its field there: nothing is left out, and all of it reads back the same.
    assert answer.sent.not_sent == ()
    assert KansaiJson().read_back(received) == document


def test_a_date_before_meiji_cannot_be_written_in_wareki_and_nothing_is_sent(kansai):
    document = example()
    document["申請内容（B票）"]["内容"]["世帯員"][2]["生年月日"] = "1867-01-01"
    assert dataset.validate(document) == {}
    with pytest.raises(NotRepresentable) as caught:
        KansaiJson().handoff(kansai_peer(kansai), document, idempotency_key="j-2")
    assert caught.value.path == "申請内容（B票）.内容.世帯員[2].生年月日"
    assert kansai.received == []


def test_kansai_wareki_and_kana_read_back_on_the_first_days_of_eras(kansai):
    """和暦 both ways on the first day of 令和 and of 平成; kana with several spaces."""
    document = example()
    people = [document["個人申請基本情報（A票）"]["申請者"], *document["申請内容（B票）"]["内容"]["世帯員"]]
    people[2]["生年月日"] = date(2019, 5, 1).isoformat()
    people[1]["生年月日"] = date(1989, 1, 8).isoformat()
    people[3]["氏名（カナ）"] = "グエン　ティ　ラン"
    KansaiJson().handoff(kansai_peer(kansai), document, idempotency_key="j-3")
    body = kansai.received_json()
    assert body["members"][1]["birth"] == "R1.5.1"
    assert body["members"][0]["birth"] == "H1.1.8"
    assert KansaiJson().read_back(kansai.bodies[0]) == document


# -- from a move made in Sapporo's wizard to the partner's form and into a wizard's draft ----------


@pytest.mark.django_db
@pytest.mark.parametrize(("adapter", "new"), [("renrakucho", "TOKYO"), ("kansai-json", "OSAKA")])
def test_a_move_made_in_the_wizard_arrives_and_opens_pre_filled(signed_in, sapporo, kanto, kansai, adapter, new):
    """The mover's data as the wizard stored it, handed over through the adapter; what the peer
    received, read back, opens a wizard's draft with the same data: nothing to type again."""
    from hikkoshi.federation.tests import test_dataset as made

    move = made._submitted(signed_in, old=made.OLD, new=getattr(made, new))
    document = dataset.to_data_set(move, made.ALL, today=date(2026, 12, 3))
    if adapter == "renrakucho":
        answer = Renrakucho().handoff(kanto_peer(kanto), document, idempotency_key="m-1")
        back = Renrakucho().read_back(kanto.forms[0])
    else:
        answer = KansaiJson().handoff(kansai_peer(kansai), document, idempotency_key="m-1")
        back = KansaiJson().read_back(kansai.bodies[0])
    assert back == without(document, answer.sent.not_sent)
    assert made._cleaned(dataset.from_data_set(back)) == made._stored(move)


def test_a_csv_row_with_a_cell_too_many_is_a_bad_answer_not_a_shorter_row(kanto):
    original = kanto.csv_bytes
    kanto.csv_bytes = lambda: original().replace(b"\r\n", b",extra\r\n", 2).replace(b",extra", b"", 1)
    with pytest.raises(BadAnswer, match="line 2"):
        Renrakucho().directory(kanto_peer(kanto))


@pytest.mark.parametrize(
    "kana", ["サッポロ　ハナコ", "ヴィクトリア", "ヶオカ　ヵヮ", "ジョー・スミス", "パピプペポ　ガギグゲゴ"]
)
def test_half_width_kana_reads_back_as_written(kana):
    from hikkoshi.federation.adapters.mapping import CONVERTERS

    write, read = CONVERTERS["half_width_kana"]
    assert read(write(kana)) == kana


@pytest.mark.parametrize(
    ("day", "wareki"),
    [
        ("1868-09-08", "M1.9.8"),
        ("1912-07-30", "T1.7.30"),
        ("1926-12-25", "S1.12.25"),
        ("1989-01-07", "S64.1.7"),
        ("1989-01-08", "H1.1.8"),
        ("2019-04-30", "H31.4.30"),
        ("2019-05-01", "R1.5.1"),
        ("2026-04-01", "R8.4.1"),
    ],
)
def test_wareki_is_written_and_read_back_at_the_eras_edges(day, wareki):
    from hikkoshi.federation.adapters.mapping import CONVERTERS

    write, read = CONVERTERS["wareki"]
    assert write(day) == wareki
    assert read(wareki) == day


def test_characters_cp932_writes_in_its_own_form_are_sent_so_and_recorded(kanto):
    """CP932 has one code for 〜 (U+301C) and ～ (U+FF5E), − and －: the peer reads the latter.
    The record keeps what the peer reads and names the items; nothing else changes."""
    document = example()
    new = document["申請内容（B票）"]["内容"]["新住所"]
    new["建物名等（方書）"] = "ハイツ北〜南 2−1"
    new["連結表記"] = "北海道札幌市北区北24条西6丁目1-1 ハイツ北〜南 2−1"
    answer = Renrakucho().handoff(kanto_peer(kanto), document, idempotency_key="k-9")
    assert answer.sent.altered == (
        "申請内容（B票）.内容.新住所.連結表記",
        "申請内容（B票）.内容.新住所.建物名等（方書）",
    )
    assert kanto.fields()["新方書"] == "ハイツ北～南 2－1"
    assert dict(answer.sent.fields) == kanto.fields()
    back = Renrakucho().read_back(kanto.forms[0])
    expected = without(document, RENRAKUCHO_NOT_SENT)
    expected["申請内容（B票）"]["内容"]["新住所"].update(
        {"建物名等（方書）": "ハイツ北～南 2－1", "連結表記": "北海道札幌市北区北24条西6丁目1-1 ハイツ北～南 2－1"}
    )
    assert back == expected


def test_an_answer_page_with_bytes_that_are_not_cp932_is_a_bad_answer(kanto):
    original = kanto._page

    def page(status, title, body):
        reply = original(status, title, body)
        return Reply(reply.status, reply.content_type, reply.body.replace("受付番号".encode("cp932"), b"\x81\x7f"))

    kanto._page = page
    with pytest.raises(BadAnswer, match="not cp932"):
        Renrakucho().handoff(kanto_peer(kanto), example(), idempotency_key="k-10")
