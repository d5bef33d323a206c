"""The common moving data set (共通データセット): its schema, its mapping to GIF and to hikkoshi, and
the way from a move made in Sapporo's wizard to a data set and back to a wizard's draft."""

import copy
from datetime import date
import json
from pathlib import Path
import re

import jsonschema
import pytest

from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.catalogue.schema import clean_values
from hikkoshi.catalogue.tests.conftest import sapporo  # noqa: F401 (a fixture: the shipped data)
from hikkoshi.federation import dataset
from hikkoshi.federation.dataset import A, B, DataSetInvalid, from_data_set, items_not_kept, to_data_set, validate
from hikkoshi.japanese import date_parts
from hikkoshi.moves.common import APPLICANT, MEMBER
from hikkoshi.moves.forms import build_payload
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import household_check, validate_places
from hikkoshi.moves.tests.conftest import mover  # noqa: F401 (a fixture)
from hikkoshi.moves.tests.test_pages import (
    AGREE,
    base_of,
    details_post,
    move_of,
    people_post,
    places_post,
    signed_in,  # noqa: F401 (a fixture)
    soon,
    start,
    text,
    value_of,
    wareki,
)

ALL = list(dataset.ITEMS)

# Sapporo, 中央区 → 北区 (a 転居), with a 方書 at both ends: a family of four whose 世帯主 is
# the applicant's husband, moving with her; their son; her mother, a Vietnamese national whose
# name is registered in Latin letters.
OLD = {"postcode": "060-0042", "address": "札幌市中央区大通西3丁目", "building": "大通ハイツ 3F"}
NEW = {"postcode": "001-0024", "address": "札幌市北区北24条西6丁目1-1", "building": "ハイツ北 201"}
HANAKO = {
    "name": "札幌 花子",
    "name_kana": "さっぽろ はなこ",  # hiragana, as people type it
    "birth_date": "S63.7.7",  # 和暦
    "sex": "female",
    "phone": "０９０（１２３４）５６７８",
    "email": "hanako@example.jp",
    "relationship": "妻",
}
TARO = {"name": "札幌 太郎", "name_kana": "ｻｯﾎﾟﾛ ﾀﾛｳ", "birth_date": "1985-05-05", "sex": "male", "relationship": ""}
ICHIRO = {
    "name": "札幌 一郎",
    "name_kana": "サッポロ イチロウ",
    "birth_date": "R2.4.1",
    "sex": "",
    "relationship": "子",
}
LAN = {
    "name": "NGUYEN THI LAN",
    "name_kana": "グエン ティ ラン",
    "birth_date": "1960-01-15",
    "sex": "female",
    "relationship": "妻の母",
}


def _submitted(client, *, head="members[0]", members=None, old=OLD, new=NEW) -> Move:
    """A move made through the wizard's pages, as a mover makes it, and submitted."""
    if members is None:  # 太郎 has a 続柄 when he is not the 世帯主
        members = (TARO if head == "members[0]" else dict(TARO, relationship="夫"), ICHIRO, LAN)
    base = base_of(start(client))
    day = soon()
    assert client.post(base + "places/", places_post(old=old, new=new, move_date=wareki(day)))["Location"] == (
        base + "procedures/"
    )
    assert client.post(base + "procedures/", {})["Location"] == base + "people/"
    data = people_post(applicant=HANAKO, members=members)
    data["household-head"] = head
    if head == "other":
        data["household-head_name"] = "北 一子"
    assert client.post(base + "people/", data)["Location"] == base + "details/"
    assert client.post(base + "details/", details_post(day))["Location"] == base + "review/"
    assert client.post(base + "submit/", AGREE)["Location"] == base
    move = move_of(base)
    assert move.status == "submitted"
    return move


def _cleaned(draft: dict) -> dict:
    """What the wizard makes of a draft: its payload cleaned by the moves' own checks."""
    payload = build_payload(draft, None)
    errors: dict[str, str] = {}
    places = validate_places(payload, errors)
    applicant, problems = clean_values(APPLICANT, payload["applicant"], "applicant")
    errors.update(problems)
    members = []
    for i, member in enumerate(payload["members"]):
        values, problems = clean_values(MEMBER, member, f"members[{i}]")
        errors.update(problems)
        members.append(values)
    household = household_check(payload["household"], applicant, members, errors)
    assert errors == {}
    assert places is not None
    return {
        "old_address": _typed_aside(places.old_address),
        "new_address": _typed_aside(places.new_address),
        "move_date": places.move_date,
        "applicant": applicant,
        "members": members,
        "household": household,
    }


def _typed_aside(address: dict) -> dict:
    """An address as stored, but for the address as typed (札幌市北区… or 北区…): the data set
    carries the whole address (``full_address``, 北海道札幌市北区…), which the wizard reads alike."""
    return {key: value for key, value in address.items() if key != "address"}


def _stored(move: Move) -> dict:
    return {
        "old_address": _typed_aside(move.old_address),
        "new_address": _typed_aside(move.new_address),
        "move_date": move.move_date,
        "applicant": move.applicant,
        "members": move.members,
        "household": move.household,
    }


# -- the round trip ----------------------------------------------------------------------------


# Out of Sapporo (a 転出: the hand-over's case, Osaka served by another portal) and into it.
OSAKA = {"postcode": "530-0001", "address": "大阪市北区梅田1丁目1", "building": "梅田タワー 12階 1203号室"}
TOKYO = {"postcode": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""}


@pytest.mark.parametrize(
    ("head", "old", "new"),
    [
        ("members[0]", OLD, NEW),
        ("applicant", OLD, NEW),
        ("other", OLD, NEW),
        ("members[0]", OLD, OSAKA),
        ("applicant", TOKYO, NEW),
    ],
)
def test_a_sapporo_move_goes_to_the_data_set_and_back_unchanged(signed_in, sapporo, head, old, new):
    move = _submitted(signed_in, head=head, old=old, new=new)
    document = to_data_set(move, ALL, today=date(2026, 12, 3))
    assert validate(document) == {}
    draft = from_data_set(json.loads(json.dumps(document)))  # as it crosses the wire
    assert _cleaned(draft) == _stored(move)


def test_the_data_set_uses_gif_item_names_and_iso_dates(signed_in, sapporo):
    move = _submitted(signed_in)
    document = to_data_set(move, ALL, today=date(2026, 12, 3))
    applicant = document[A]["申請者"]
    assert applicant == {
        "氏名": "札幌 花子",
        "氏": "札幌",
        "名": "花子",
        "氏名（カナ）": "サッポロ\u3000ハナコ",
        "氏（カナ）": "サッポロ",
        "名（カナ）": "ハナコ",
        "生年月日": "1988-07-07",  # S63.7.7
        "性別": "2",
        "続柄": "妻",
    }
    assert document[A]["連絡先"] == {"連絡先電話番号": "090-1234-5678", "連絡先メールアドレス": "hanako@example.jp"}
    assert document[A]["申請日"] == "2026-12-03"
    content = document[B]["内容"]
    assert content["異動日"] == move.move_date.isoformat()
    taro, ichiro, lan = content["世帯員"]
    assert taro["続柄"] == "世帯主" and taro["氏名（カナ）"] == "サッポロ\u3000タロウ"  # half-width kana as typed
    assert ichiro["生年月日"] == "2020-04-01" and "性別" not in ichiro  # R2.4.1; sex not given
    assert lan["氏名"] == "NGUYEN THI LAN" and "氏" not in lan and "名" not in lan  # three parts: not split
    assert lan["氏名（カナ）"] == "グエン\u3000ティ\u3000ラン" and "氏（カナ）" not in lan
    assert content["世帯主"] == {"氏名": "札幌 太郎"}
    assert content["新住所"] == {
        "郵便番号": "0010024",
        "全国地方公共団体コード": "011029",  # 札幌市北区 01102 and its check digit
        "都道府県": "北海道",
        "市区町村（郡）": "札幌市北区",
        "町字": "北24条西",  # Japan Post's 北二十四条西, as typed
        "番地以下": "6丁目1-1",
        "町字以下": "北24条西6丁目1-1",
        "建物名等（方書）": "ハイツ北 201",
        "連結表記": "北海道札幌市北区北24条西6丁目1-1 ハイツ北 201",
    }
    assert content["旧住所"] == {
        "郵便番号": "0600042",
        "全国地方公共団体コード": "011011",
        "都道府県": "北海道",
        "市区町村（郡）": "札幌市中央区",
        "町字": "大通西",
        "番地以下": "3丁目",
        "町字以下": "大通西3丁目",
        "建物名等（方書）": "大通ハイツ 3F",
        "連結表記": "北海道札幌市中央区大通西3丁目 大通ハイツ 3F",
    }
    assert content["旧住所"]["建物名等（方書）"] == "大通ハイツ 3F"
    assert document["提供項目"] == ALL


def test_the_wizard_opens_a_draft_made_from_a_data_set_pre_filled(signed_in, sapporo, mover, client):
    move = _submitted(signed_in)
    draft = from_data_set(to_data_set(move, ALL))
    assert draft["places"]["move_date"] == date_parts(move.move_date)  # 令和, as the date fields show it
    assert draft["people"]["applicant"]["birth_date"] == {"era": "S", "year": "63", "month": "7", "day": "7"}
    assert draft["people"]["household"] == {"head": "members[0]", "head_name": ""}
    # The destination's wizard: a draft of its own, opened at its first step.
    arrived = Move.objects.create(owner=mover, draft=draft)
    base = f"/moves/{arrived.public_id}/"
    page = text(signed_in.get(base + "places/"))
    assert value_of(page, "to-building") == "ハイツ北 201"
    assert value_of(page, "to-address") == "北海道札幌市北区北24条西6丁目1-1"
    assert value_of(page, "from-postcode") == "060-0042"
    page = text(signed_in.get(base + "people/"))
    assert value_of(page, "applicant-name") == "札幌 花子"
    assert value_of(page, "applicant-name_kana") == "サッポロ\u3000ハナコ"
    assert value_of(page, "member-2-name") == "NGUYEN THI LAN"
    assert value_of(page, "member-1-relationship") == "子"
    assert value_of(page, "applicant-phone") == "090-1234-5678"
    assert re.search(r'name="household-head" value="members\[0\]"[^>]*checked', page)
    # Continuing through the pages as they show it gives the same people as at the origin.
    data = people_post(
        applicant={k: v for k, v in draft["people"]["applicant"].items() if k != "birth_date"}
        | {"birth_date": "S63.7.7"},
        members=[
            {k: v for k, v in m.items() if k != "birth_date"} | {"birth_date": d}
            for m, d in zip(draft["people"]["members"], ("1985-05-05", "R2.4.1", "1960-01-15"), strict=True)
        ],
    )
    data["household-head"] = "members[0]"
    assert (
        signed_in.post(base + "places/", places_post(old=OLD, new=NEW, move_date=wareki(move.move_date)))["Location"]
        == base + "procedures/"
    )
    assert signed_in.post(base + "procedures/", {})["Location"] == base + "people/"
    assert signed_in.post(base + "people/", data)["Location"] == base + "details/"
    assert Move.objects.get(pk=arrived.pk).draft["people"]["household"] == {"head": "members[0]", "head_name": ""}


def test_a_draft_at_its_review_page_makes_the_same_data_set(signed_in, sapporo):
    submitted = _submitted(signed_in)
    base = base_of(start(signed_in))
    day = submitted.move_date
    signed_in.post(base + "places/", places_post(old=OLD, new=NEW, move_date=wareki(day)))
    signed_in.post(base + "procedures/", {})
    data = people_post(applicant=HANAKO, members=(TARO, ICHIRO, LAN))
    data["household-head"] = "members[0]"
    signed_in.post(base + "people/", data)
    draft = move_of(base)
    assert draft.status == "draft"
    made = to_data_set(draft, ALL, today=date(2026, 12, 3))
    expected = to_data_set(submitted, ALL, today=date(2026, 12, 3))
    made[B].pop("更新年月日"), expected[B].pop("更新年月日")
    assert made == expected


def test_a_draft_with_invalid_people_makes_no_data_set(signed_in, sapporo):
    base = base_of(start(signed_in))
    signed_in.post(base + "places/", places_post())
    signed_in.post(base + "procedures/", {})
    signed_in.post(base + "people/", people_post(applicant=dict(HANAKO, birth_date="S63.2.30")))
    with pytest.raises(DataSetInvalid) as raised:
        to_data_set(move_of(base), ALL)
    assert "applicant.birth_date" in raised.value.errors
    # The places alone are valid: those can go.
    document = to_data_set(move_of(base), ["new_address", "move_date"])
    assert document["提供項目"] == ["new_address", "move_date"] and A not in document


# -- only what was agreed to ------------------------------------------------------------------

# Values of each item as they appear in a data set made from ``_submitted``.
TELLTALES = {
    "applicant_name": ["花子", "ハナコ"],
    "applicant_birth_date": ["1988-07-07"],
    "applicant_phone": ["090-1234-5678"],
    "applicant_email": ["hanako@example.jp"],
    "members": ["太郎", "一郎", "NGUYEN", "妻の母", "世帯主", "性別"],
    "old_address": ["0600042", "大通", "中央区"],
    "new_address": ["0010024", "北24条", "ハイツ北", "北区"],
    "move_date": ["異動日"],
}


@pytest.mark.parametrize("item", ALL)
def test_only_the_items_agreed_to_leave(signed_in, sapporo, item):
    move = _submitted(signed_in)
    document = to_data_set(move, [item])
    assert validate(document) == {}
    assert document["提供項目"] == [item]
    sent = json.dumps(document, ensure_ascii=False)
    for other, telltales in TELLTALES.items():
        for telltale in telltales:
            if other == item:
                assert telltale in sent, (item, telltale)
            else:
                assert telltale not in sent, (item, other, telltale)
    if item != "move_date":  # (申請日 and 更新年月日 are today; the moving day is a month away)
        assert move.move_date.isoformat() not in sent


def test_an_applicant_without_e_mail_sends_no_e_mail_item(signed_in, sapporo):
    move = _submitted(signed_in)
    move.applicant.pop("email")
    document = to_data_set(move, ["applicant_name", "applicant_email"])
    assert document["提供項目"] == ["applicant_name"] and "連絡先" not in document[A]
    with pytest.raises(ValueError):
        to_data_set(move, ["applicant_email"])
    with pytest.raises(ValueError):
        to_data_set(move, [])
    with pytest.raises(ValueError):
        to_data_set(move, ["nationality"])


def test_an_erased_move_makes_no_data_set(signed_in, sapporo):
    from django.utils import timezone

    move = _submitted(signed_in)
    move.erased_at = timezone.now()
    with pytest.raises(DataSetInvalid):
        to_data_set(move, ALL)


# -- validation, by the item's name -------------------------------------------------------------


@pytest.fixture
def document(signed_in, sapporo) -> dict:
    return to_data_set(_submitted(signed_in), ALL, today=date(2026, 12, 3))


def _without(document: dict, path: list) -> dict:
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return changed


def _with(document: dict, path: list, value) -> dict:
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ([A, "申請者", "氏名"], "個人申請基本情報（A票）.申請者.氏名"),
        ([A, "申請者", "生年月日"], "個人申請基本情報（A票）.申請者.生年月日"),
        ([A, "連絡先", "連絡先電話番号"], "個人申請基本情報（A票）.連絡先.連絡先電話番号"),
        ([A, "申請者", "続柄"], "個人申請基本情報（A票）.申請者.続柄"),
        ([B, "内容", "世帯員", 1, "続柄"], "申請内容（B票）.内容.世帯員[1].続柄"),
        ([B, "内容", "世帯員", 2, "氏名（カナ）"], "申請内容（B票）.内容.世帯員[2].氏名（カナ）"),
        ([B, "内容", "新住所", "郵便番号"], "申請内容（B票）.内容.新住所.郵便番号"),
        ([B, "内容", "旧住所"], "申請内容（B票）.内容.旧住所"),
        ([B, "内容", "異動日"], "申請内容（B票）.内容.異動日"),
        ([B, "内容", "世帯主"], "申請内容（B票）.内容.世帯主"),
        ([A, "申請者", "名"], "個人申請基本情報（A票）.申請者.名"),  # 氏 without 名
        (["データセット"], "データセット"),
    ],
)
def test_a_missing_item_is_named(document, path, named):
    errors = validate(_without(document, path))
    assert named in errors, errors
    assert errors[named] == "この項目は必須です。" or "指定してください" in errors[named]  # in Japanese
    with pytest.raises(DataSetInvalid) as raised:
        from_data_set(_without(document, path))
    assert named in raised.value.errors


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ([A, "申請者", "生年月日"], "1988-02-30", "個人申請基本情報（A票）.申請者.生年月日"),
        ([A, "申請者", "生年月日"], "昭和63年7月7日", "個人申請基本情報（A票）.申請者.生年月日"),  # ISO only
        ([A, "申請者", "氏名（カナ）"], "ｻｯﾎﾟﾛ ﾊﾅｺ", "個人申請基本情報（A票）.申請者.氏名（カナ）"),  # half-width
        ([A, "申請者", "氏名（カナ）"], "さっぽろ はなこ", "個人申請基本情報（A票）.申請者.氏名（カナ）"),
        ([A, "申請者", "性別"], "female", "個人申請基本情報（A票）.申請者.性別"),
        ([A, "申請者", "国籍"], "Vietnam", "個人申請基本情報（A票）.申請者.国籍"),
        ([A, "連絡先", "連絡先メールアドレス"], "hanako", "個人申請基本情報（A票）.連絡先.連絡先メールアドレス"),
        ([A, "連絡先", "連絡先電話番号"], "1234", "個人申請基本情報（A票）.連絡先.連絡先電話番号"),
        ([B, "内容", "新住所", "郵便番号"], "001-00244", "申請内容（B票）.内容.新住所.郵便番号"),
        (
            [B, "内容", "新住所", "全国地方公共団体コード"],
            "011020",
            "申請内容（B票）.内容.新住所.全国地方公共団体コード",
        ),
        ([B, "内容", "新住所", "階"], "2", "申請内容（B票）.内容.新住所.階"),  # unknown
        ([A, "申請者", "続柄"], "世帯主", "申請内容（B票）.内容.世帯員[0].続柄"),  # two heads: the second named
        ([B, "内容", "世帯主", "氏名"], "北 一子", "申請内容（B票）.内容.世帯主.氏名"),  # not the head moving
        ([B, "内容", "世帯員"], [{}] * 10, "申請内容（B票）.内容.世帯員"),
        ([B, "名称"], "転居届", "申請内容（B票）.名称"),
        (["データセット"], "https://hikkoshi.example/federation/v1/schema/moving-data-set-2.json", "データセット"),
        (["提供項目"], ["applicant_name", "nationality"], "提供項目[1]"),
    ],
)
def test_an_invalid_item_is_named(document, path, value, named):
    errors = validate(_with(document, path, value))
    assert named in errors, errors


def test_nobody_moving_is_the_head_then_the_head_lives_there_by_name(document):
    changed = _with(document, [B, "内容", "世帯員", 0, "続柄"], "夫")
    changed[B]["内容"]["世帯主"] = {"氏名": "北 一子"}
    assert validate(changed) == {}
    assert from_data_set(changed)["people"]["household"] == {"head": "other", "head_name": "北 一子"}


def test_an_item_sent_without_consent_is_refused_by_name(document):
    for item, named in [
        ("applicant_birth_date", "個人申請基本情報（A票）.申請者.生年月日"),
        ("members", "申請内容（B票）.内容.世帯員"),
        ("old_address", "申請内容（B票）.内容.旧住所"),
        ("applicant_email", "個人申請基本情報（A票）.連絡先.連絡先メールアドレス"),
    ]:
        changed = copy.deepcopy(document)
        changed["提供項目"].remove(item)
        errors = validate(changed)
        assert named in errors, (item, errors)
        assert "提供項目" in errors[named]
    del document[A]["申請者"]["性別"]  # optional: may be left out even with the household
    assert validate(document) == {}


# -- from a partner that follows GIF ----------------------------------------------------------


def test_a_gif_partners_document_opens_in_the_wizard_and_nationality_is_not_kept():
    """A document made elsewhere (a GIF partner): 連結表記 only, 国籍, the hyphenated postal code."""
    day = soon(20).isoformat()
    document = {
        "データセット": dataset.SCHEMA_ID,
        "提供項目": ["applicant_name", "applicant_birth_date", "members", "new_address", "move_date"],
        A: {
            "申請者": {
                "氏名": "NGUYEN VAN AN",
                "氏名（カナ）": "グエン\u3000ヴァン\u3000アン",
                "生年月日": "1990-04-01",
                "性別": "1",
                "国籍": "VN",
                "続柄": "世帯主",
            }
        },
        B: {
            "名称": "引越し（住所の異動）",
            "内容": {
                "新住所": {
                    "郵便番号": "060-0042",
                    "建物名等（方書）": "大通ハイツ 3F",
                    "連結表記": "北海道札幌市中央区大通西3丁目 大通ハイツ 3F",
                },
                "異動日": day,
                "世帯員": [
                    {
                        "氏名": "NGUYEN THI MAI",
                        "氏名（カナ）": "グエン\u3000ティ\u3000マイ",
                        "生年月日": "2019-07-31",
                        "性別": "9",
                        "国籍": "VN",
                        "続柄": "子",
                    }
                ],
                "世帯主": {"氏名": "NGUYEN VAN AN"},
            },
        },
    }
    assert validate(document) == {}
    draft = from_data_set(document)
    assert draft["places"]["to"] == {
        "postcode": "060-0042",
        "address": "北海道札幌市中央区大通西3丁目",
        "building": "大通ハイツ 3F",
    }
    assert draft["places"]["from"] == {}
    assert draft["places"]["move_date"] == date_parts(date.fromisoformat(day))
    assert draft["people"]["applicant"] == {
        "name": "NGUYEN VAN AN",
        "name_kana": "グエン\u3000ヴァン\u3000アン",
        "birth_date": {"era": "H", "year": "2", "month": "4", "day": "1"},  # 平成2年
        "sex": "male",
    }
    assert draft["people"]["members"] == [
        {
            "name": "NGUYEN THI MAI",
            "name_kana": "グエン\u3000ティ\u3000マイ",
            "birth_date": {"era": "R", "year": "1", "month": "7", "day": "31"},  # 令和元年
            "relationship": "子",
        }
    ]
    assert draft["people"]["household"] == {"head": "applicant", "head_name": ""}
    assert "VN" not in json.dumps(draft)  # hikkoshi has no field for 国籍: not kept
    assert items_not_kept(document) == [
        "個人申請基本情報（A票）.申請者.国籍",
        "申請内容（B票）.内容.世帯員[0].国籍",
    ]


# -- the schema and its mapping ---------------------------------------------------------------


def _leaves(schema: dict, node: dict, path: str, found: set[str]) -> None:
    """Every item path of the schema (keys joined by '.', '[]' for a list's elements), through
    its ``$ref`` and ``allOf``."""
    if "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/$defs/"), ref  # nothing is fetched
        _leaves(schema, schema["$defs"][ref.removeprefix("#/$defs/")], path, found)
    for part in node.get("allOf", []):
        if "$ref" in part:
            _leaves(schema, part, path, found)
    for name, child in node.get("properties", {}).items():
        child_path = f"{path}.{name}" if path else name
        found.add(child_path)
        _leaves(schema, child, child_path, found)
    if isinstance(node.get("items"), dict):
        _leaves(schema, node["items"], f"{path}[]", found)


def test_the_schema_is_draft_2020_12_with_a_versioned_id():
    schema = dataset.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # A name of its own (no placeholder host), the version last, which documents carry; the name
    # version 1 was first published with stays valid.
    assert schema["$id"] == dataset.SCHEMA_ID == dataset.DATA_SET_ID == "urn:hikkoshi:federation:moving-data-set:1"
    assert schema["properties"]["データセット"]["enum"] == [
        "https://hikkoshi.example/federation/v1/schema/moving-data-set-1.json",
        dataset.SCHEMA_ID,
    ]
    assert schema["properties"]["提供項目"]["items"]["enum"] == ALL  # the consent's own words
    schema["title"] = "changed"
    assert dataset.schema()["title"] != "changed"  # a copy each time


def test_the_mapping_covers_every_item_of_the_schema_and_nothing_else():
    schema = dataset.schema()
    in_schema: set[str] = set()
    _leaves(schema, schema, "", in_schema)
    rows = dataset.mapping()["items"]
    mapped = [row["path"] for row in rows]
    assert len(mapped) == len(set(mapped))
    assert set(mapped) == in_schema
    assert len(in_schema) > 50


def test_the_mapping_names_gif_classes_items_and_files_and_hikkoshi_fields():
    table = dataset.mapping()
    assert table["data_set"] == dataset.SCHEMA_ID
    assert re.fullmatch(r"[0-9a-f]{40}", table["gif"]["commit"])
    for row in table["items"]:
        assert row["item"] in [None, *ALL], row
        gif = row["gif"]
        if gif is not None:
            assert re.fullmatch(r"(pd|ad):\S+", gif["class"]) and re.fullmatch(r"(pd|ad):\S+", gif["item"]), row
            assert gif["file"].startswith("451_実装データモデル_行政/mermaid/") and gif["file"].endswith(".mmd")
            # The data set's key is GIF's item name without its prefix.
            key = re.sub(r"\[\]$", "", row["path"].rsplit(".", 1)[-1])
            if gif["class"] in ("pd:個人", "pd:住所", "pd:連絡先"):
                assert gif["item"] == f"pd:{key}", row
        if row["item"] is not None and row["path"] not in ("提供項目",):
            # Personal data: where it comes from in hikkoshi, or said to be not kept.
            assert row["hikkoshi"] or "not" in row.get("note", ""), row
    kinds = {row["gif"]["item"] for row in table["items"] if row["gif"]}
    for used in ("pd:氏", "pd:名", "pd:氏（カナ）", "pd:名（カナ）", "pd:生年月日", "pd:性別", "pd:国籍"):
        assert used in kinds
    for used in ("pd:郵便番号", "pd:建物名等（方書）", "pd:連絡先電話番号", "pd:連絡先メールアドレス"):
        assert used in kinds


def test_every_consent_item_has_its_rule_in_the_schema():
    """Each item of 提供項目 adds exactly its own parts: a document with only that item is valid,
    and the same document claiming every item is not (the others' parts are missing)."""
    schema = dataset.schema()
    rules = {rule["if"]["properties"]["提供項目"]["contains"]["const"] for rule in schema["allOf"]}
    assert rules == set(ALL)


def test_the_published_page_has_a_valid_example_and_every_item():
    page = (Path(dataset.__file__).resolve().parents[3] / "docs" / "federation-data-set.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)\n```", page, re.S).group(1))
    assert validate(example) == {}
    assert items_not_kept(example) == []
    for row in dataset.mapping()["items"]:
        assert f"| `{row['path']}` |" in page, row["path"]


def test_a_document_names_version_1_by_its_first_name_or_by_the_schemas_urn(document):
    assert document["データセット"] == dataset.DATA_SET_ID  # what peers of version 1 expect
    assert validate(document) == {}
    assert validate({**document, "データセット": dataset.SCHEMA_ID}) == {}
    assert "データセット" in validate({**document, "データセット": "urn:hikkoshi:federation:moving-data-set:2"})


def test_a_foreign_residents_fields_are_never_handed_over(signed_in, sapporo):
    """在留カード等の番号 and the rest (``moves.foreign``) are not items of the data set: a move
    with them makes the same document, without them; the item cannot be asked for."""
    lan = dict(
        LAN,
        foreign_resident=True,
        residence_category="special_permanent",
        nationality="ベトナム",
        residence_card_number="AB12345678CD",
    )
    move = _submitted(signed_in, members=(TARO, ICHIRO, lan))
    assert move.members[2]["residence_card_number"] == "AB12345678CD"
    document = to_data_set(move, ALL, today=date(2026, 12, 3))
    assert validate(document) == {}
    sent = json.dumps(document, ensure_ascii=False)
    assert "AB12345678CD" not in sent and "ベトナム" not in sent and "国籍" not in sent
    assert "foreign_resident" not in document["提供項目"]
    with pytest.raises(ValueError):
        to_data_set(move, [CommonItem.FOREIGN_RESIDENT])
    draft = from_data_set(document)
    assert not any("foreign_resident" in m for m in draft["people"]["members"])
