"""The common moving data set (共通データセット): what one portal hands to another, with consent.

A move's applicant, household, old and new address, moving day (異動日) and contact as one JSON
document, validated by a versioned JSON Schema (draft 2020-12, ``schema/moving-data-set-1.json``)
built on the Digital Agency's Government Interoperability Framework (GIF): the document is a GIF
申請（個人） — 個人申請基本情報（A票） with its 申請者 (pd:個人) and 連絡先 (pd:連絡先), and
申請内容（B票） whose 内容 holds the move, each address a pd:住所 — and its keys are GIF's own item
names (氏, 名, 氏（カナ）, 生年月日, 郵便番号, 建物名等（方書） …), so a partner that follows GIF reads it
without an adapter. What GIF lacks (続柄, 世帯員, 世帯主, 旧住所, 新住所, 異動日) is named after the
住民異動届. ``schema/moving-data-set-1.mapping.json`` maps every item to its GIF class and item
and to hikkoshi's field (data, published beside the schema; docs/federation-data-set.md reads it
for people).

``提供項目`` lists the items the mover agreed to hand over — hikkoshi's common items
(``catalogue.constants.CommonItem``: the same words the review page and the organisations'
``shares`` use) — and exactly those are in the document: the schema refuses one that is missing
and one that is there without consent.

- ``schema()``: the schema (what ``GET /federation/v1/schema`` answers);
- ``validate(document)``: every problem by the item's path (``申請内容（B票）.内容.世帯員[0].生年月日``);
- ``to_data_set(move, items)``: a move's consented items as a document;
- ``from_data_set(document)``: the wizard's draft (``Move.draft``) pre-filled from a document,
  dates in 和暦 as the wizard's date fields show them, kana as katakana;
- ``items_not_kept(document)``: what a document carried that hikkoshi does not take (国籍).

A foreign resident's fields (外国人住民: 国籍・地域, 在留カード等の番号, 在留資格 …, ``moves.foreign``)
are not carried: version 1 has no items for them but 国籍, whose consent item (``members``) is
not the one the mover gives for them (``foreign_resident``). They are left out of every
document, and a received 国籍 is left out of the draft; the mover gives them again at the
destination.

Nothing here is sent, stored or logged: the hand-over and its record are elsewhere in this app.
"""

from collections.abc import Iterable
import copy
from datetime import date
from functools import lru_cache
import json
from pathlib import Path
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
import jsonschema

from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.catalogue.schema import clean_values
from hikkoshi.japanese import InputError, date_parts, kanji_numerals_to_digits, normalise_phone, to_katakana
from hikkoshi.moves.access import assisted_of
from hikkoshi.moves.common import HEAD_APPLICANT, HEAD_OTHER, HEAD_RELATIONSHIP, MEMBER, applicant_fields
from hikkoshi.moves.constants import MoveStatus
from hikkoshi.moves.forms import build_payload
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import MEMBER_HEAD, household_check, validate_places
from hikkoshi.places.municipalities import is_valid_lg_code, with_check_digit
from hikkoshi.places.normalise import InvalidPostcode, format_postcode, normalise_postcode
from hikkoshi.places.postcodes import lookup

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_FILE = SCHEMA_DIR / "moving-data-set-1.json"
MAPPING_FILE = SCHEMA_DIR / "moving-data-set-1.mapping.json"
# The schema's $id: a name, never fetched, the same at every portal (GET /federation/v1/schema
# answers the document itself). Not a URL: it has no host, and a portal's own address would
# differ between portals that must agree on it.
SCHEMA_ID = "urn:hikkoshi:federation:moving-data-set:1"
# What a document of version 1 says in データセット: the schema's $id. The schema also accepts the
# name version 1 was first published with (a placeholder URL), so documents that carry it stay valid.
DATA_SET_ID = SCHEMA_ID

# The document's two parts, as GIF's 申請（個人） names them.
A = "個人申請基本情報（A票）"
B = "申請内容（B票）"
APPLICATION_NAME = "引越し（住所の異動）"  # B票's 名称

# hikkoshi's 性別 and the ISO/IEC 5218 codes the data set uses (0 not known, 9 not applicable:
# read back as not given).
SEX_CODES = {"male": "1", "female": "2"}
SEX_OF_CODE = {code: sex for sex, code in SEX_CODES.items()}

# The consent items a data set (version 1) may carry: every common item but the foreign
# residents' data (``CommonItem.FOREIGN_RESIDENT``), which is never handed over.
ITEMS = tuple(item for item in CommonItem.values if item != CommonItem.FOREIGN_RESIDENT)

APPLICANT_ITEMS = frozenset(
    {
        CommonItem.APPLICANT_NAME,
        CommonItem.APPLICANT_BIRTH_DATE,
        CommonItem.APPLICANT_PHONE,
        CommonItem.APPLICANT_EMAIL,
        CommonItem.MEMBERS,
    }
)
PLACE_ITEMS = frozenset({CommonItem.OLD_ADDRESS, CommonItem.NEW_ADDRESS, CommonItem.MOVE_DATE})

_SPACES = re.compile("[\u0020\u3000]+")


class DataSetInvalid(Exception):
    """A data set (or the move it was to be made from) that cannot be used; ``errors`` maps each
    item's path to what is wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(f"{len(errors)} invalid item(s)")
        self.errors = errors


# -- the schema and its mapping ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> dict:
    data = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(data)
    return data


def schema() -> dict:
    """The JSON Schema of the data set (a copy: the caller may change it)."""
    return copy.deepcopy(_schema())


@lru_cache(maxsize=1)
def _mapping() -> dict:
    return json.loads(MAPPING_FILE.read_text(encoding="utf-8"))


def mapping() -> dict:
    """The mapping table: each item's path, consent item, GIF class and item, hikkoshi field."""
    return copy.deepcopy(_mapping())


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    # Formats (date, email) are checked, not only annotated; no $ref leaves the document.
    return jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


# -- validation ---------------------------------------------------------------------------------


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _message(error: jsonschema.ValidationError) -> str:
    kind = error.validator
    value: Any = error.validator_value
    rule: Any = error.schema if isinstance(error.schema, dict) else {}
    if kind == "not":  # ``{"not": {}}``: an item the mover did not agree to hand over
        return _("This item is not listed in 提供項目 (the items the mover agreed to hand over): leave it out.")
    if kind == "type":
        return _("Expected %(type)s.") % {"type": value}
    if kind in ("pattern", "format"):
        return _("This value does not have the expected form (%(form)s).") % {"form": rule.get("title", value)}
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        return _("Use one of: %(values)s.") % {"values": ", ".join(str(v) for v in allowed)}
    if kind == "maxLength":
        return _("Use at most %(limit)d characters.") % {"limit": value}
    if kind == "minLength":
        return _("This item is empty.")
    if kind == "maxItems":
        return _("At most %(count)d.") % {"count": value}
    if kind in ("minItems", "uniqueItems"):
        return _("List each item once, at least one.")
    return _("This value is not valid (%(rule)s).") % {"rule": kind}


def _schema_errors(document: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in _validator().iter_errors(document):
        where = _path(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    errors.setdefault(_join(where, name), _("This item is required."))
        elif error.validator == "dependentRequired":
            for name, needed in error.validator_value.items():
                for other in needed:
                    if name in error.instance and other not in error.instance:
                        errors.setdefault(
                            _join(where, other), _("Give this item too (with %(item)s).") % {"item": name}
                        )
        elif error.validator == "additionalProperties":
            known = set(error.schema.get("properties", {}))
            for name in error.instance:
                if name not in known:
                    errors.setdefault(_join(where, name), _("Unknown item."))
        else:
            errors.setdefault(where or "document", _message(error))
    return errors


def _people(document: dict) -> list[tuple[str, dict]]:
    """(path, person) of the applicant and every 世帯員 in a document that passed the schema."""
    people = []
    applicant = document.get(A, {}).get("申請者")
    if isinstance(applicant, dict):
        people.append((f"{A}.申請者", applicant))
    for i, member in enumerate(document.get(B, {}).get("内容", {}).get("世帯員", [])):
        people.append((f"{B}.内容.世帯員[{i}]", member))
    return people


def _rule_errors(document: dict) -> dict[str, str]:
    """What the schema cannot say: one 世帯主 at most, named alike in 世帯主; codes' check digits."""
    errors: dict[str, str] = {}
    content = document.get(B, {}).get("内容", {})
    heads = [(path, person) for path, person in _people(document) if person.get("続柄") == HEAD_RELATIONSHIP]
    for path, _person in heads[1:]:
        errors[f"{path}.続柄"] = _("Only one person can be the head of household (世帯主).")
    head = content.get("世帯主")
    if heads and isinstance(head, dict) and "氏名" in heads[0][1] and head.get("氏名") != heads[0][1]["氏名"]:
        errors[f"{B}.内容.世帯主.氏名"] = _("Give the name of the person whose 続柄 reads 世帯主.")
    for end in ("旧住所", "新住所"):
        code = content.get(end, {}).get("全国地方公共団体コード")
        if code is not None and not is_valid_lg_code(code):
            errors[f"{B}.内容.{end}.全国地方公共団体コード"] = _("The check digit of this code is wrong.")
    return errors


def validate(document: Any) -> dict[str, str]:
    """Every problem of a data set by its item's path (``個人申請基本情報（A票）.申請者.氏名``); empty
    when it is valid. Checks the schema (with the consent rule: exactly the items of 提供項目),
    then what a schema cannot say."""
    errors = _schema_errors(document)
    if errors:
        return errors
    return _rule_errors(document)


# -- from a move ---------------------------------------------------------------------------------


def _parts(text: str) -> tuple[str, str] | None:
    """(family, given) of a name or reading with exactly one run of spaces, else None."""
    found = [part for part in _SPACES.split(text.strip()) if part]
    return (found[0], found[1]) if len(found) == 2 else None


def _person(data: dict, *, name: bool, birth: bool, household: bool, relationship: str) -> dict:
    person: dict[str, str] = {}
    if name:
        person["氏名"] = data["name"]
        if split := _parts(data["name"]):
            person["氏"], person["名"] = split
        person["氏名（カナ）"] = data["name_kana"]
        if split := _parts(data["name_kana"]):
            person["氏（カナ）"], person["名（カナ）"] = split
    if birth:
        person["生年月日"] = data["birth_date"]
    if household:
        if data.get("sex") in SEX_CODES:
            person["性別"] = SEX_CODES[data["sex"]]
        if relationship:
            person["続柄"] = relationship
    return person


def _address(data: dict) -> dict:
    """A stored address (``moves.services.clean_address``) as a GIF pd:住所."""
    full = data.get("full_address") or data.get("address", "")
    building = data.get("building", "")
    address = {"郵便番号": data["postcode"]}
    if code := data.get("municipality_code"):
        address["全国地方公共団体コード"] = with_check_digit(code)
    place = lookup(data["postcode"])
    municipality = data.get("municipality", "")
    if place is not None and municipality and full.startswith(place.prefecture + municipality):
        rest = full[len(place.prefecture + municipality) :].strip()
        address["都道府県"] = place.prefecture
        address["市区町村（郡）"] = municipality
        if rest:
            address["町字以下"] = rest
            # The postal code's town (大通西; 北二十四条西 typed as 北24条西) when the rest begins
            # with it: 町字, and 番地以下 after it.
            for town in {place.town, kanji_numerals_to_digits(place.town)} - {""}:
                if rest.startswith(town) and rest != town:
                    address["町字"] = town
                    address["番地以下"] = rest[len(town) :].strip()
    if building:
        address["建物名等（方書）"] = building
    address["連結表記"] = f"{full} {building}" if building else full
    return address


def _common(move: Move, items: frozenset[str]) -> dict:
    """The common data of a move as stored (``Move.applicant`` …): a submitted move's own, a
    draft's cleaned by the wizard's own checks (only the parts the items need)."""
    if move.erased_at is not None:
        raise DataSetInvalid({"move": _("The personal data of this move has been erased.")})
    if move.status == MoveStatus.SUBMITTED:
        return {
            "old_address": move.old_address,
            "new_address": move.new_address,
            "move_date": move.move_date.isoformat() if move.move_date else "",
            "applicant": dict(move.applicant or {}),
            "members": [dict(m) for m in move.members or []],
            "household": dict(move.household or {}) or {"head": HEAD_APPLICANT},
        }
    payload = build_payload(move.draft or {}, None)
    errors: dict[str, str] = {}
    common: dict[str, Any] = {}
    if items & PLACE_ITEMS:
        places = validate_places(payload, errors)
        if places is not None:
            common.update(
                old_address=places.old_address,
                new_address=places.new_address,
                move_date=places.move_date.isoformat(),
            )
    if items & APPLICANT_ITEMS:
        specs = applicant_fields(assisted=assisted_of(move) is not None)
        applicant, problems = clean_values(specs, payload["applicant"], "applicant")
        errors.update(problems)
        members = []
        for i, member in enumerate(payload["members"]):
            values, problems = clean_values(MEMBER, member, f"members[{i}]")
            errors.update(problems)
            members.append(values)
        household = household_check(payload["household"], applicant, members, errors)
        common.update(applicant=applicant, members=members, household=household)
    if errors:
        raise DataSetInvalid(errors)
    return common


def to_data_set(move: Move, items: Iterable[str], *, today: date | None = None) -> dict:
    """The data set of a move with only the ``items`` the mover agreed to hand over
    (``CommonItem`` values), valid by ``schema()``.

    Raises ``DataSetInvalid`` when the move's data for those items is incomplete or invalid (a
    draft not yet checked: its errors by the wizard's paths, ``applicant.birth_date``), and
    ``ValueError`` for no item or an unknown one. An applicant without an e-mail address (entered
    for a customer) hands over no ``applicant_email``.
    """
    chosen = frozenset(str(item) for item in items)
    unknown = chosen - set(ITEMS)
    if unknown or not chosen:
        raise ValueError(f"items must be some of {ITEMS}, not {sorted(unknown) or 'none'}")
    common = _common(move, chosen)
    if not (common.get("applicant") or {}).get("email"):
        # An applicant entered for a customer (代行) may have none: nothing to hand over.
        chosen -= {CommonItem.APPLICANT_EMAIL}
    if not chosen:
        raise ValueError("no item left to hand over")
    document: dict[str, Any] = {
        "データセット": DATA_SET_ID,
        "提供項目": [item for item in ITEMS if item in chosen],
    }
    basic: dict[str, Any] = {"申請日": (today or timezone.localdate()).isoformat()}
    content: dict[str, Any] = {}
    if chosen & APPLICANT_ITEMS:
        applicant = common["applicant"]
        household = common["household"]
        head = household.get("head", HEAD_APPLICANT)
        in_household = CommonItem.MEMBERS in chosen
        person = _person(
            applicant,
            name=CommonItem.APPLICANT_NAME in chosen,
            birth=CommonItem.APPLICANT_BIRTH_DATE in chosen,
            household=in_household,
            relationship=HEAD_RELATIONSHIP if head == HEAD_APPLICANT else applicant.get("relationship", ""),
        )
        if person:
            basic["申請者"] = person
        contact = {}
        if CommonItem.APPLICANT_PHONE in chosen:
            contact["連絡先電話番号"] = applicant["phone"]
        if CommonItem.APPLICANT_EMAIL in chosen:
            contact["連絡先メールアドレス"] = applicant["email"]
        if contact:
            basic["連絡先"] = contact
        if in_household:
            members = common["members"]
            content["世帯員"] = [
                _person(
                    m,
                    name=True,
                    birth=True,
                    household=True,
                    relationship=HEAD_RELATIONSHIP if head == f"members[{i}]" else m.get("relationship", ""),
                )
                for i, m in enumerate(members)
            ]
            if head == HEAD_APPLICANT:
                head_name = applicant["name"]
            elif head == HEAD_OTHER:
                head_name = household.get("head_name", "")
            else:
                match = MEMBER_HEAD.match(head)
                head_name = members[int(match.group(1))]["name"] if match else ""
            content["世帯主"] = {"氏名": head_name}
    if len(basic) > 1:  # more than the date
        document[A] = basic
    if CommonItem.OLD_ADDRESS in chosen:
        content["旧住所"] = _address(common["old_address"])
    if CommonItem.NEW_ADDRESS in chosen:
        content["新住所"] = _address(common["new_address"])
    if CommonItem.MOVE_DATE in chosen:
        content["異動日"] = common["move_date"]
    if content:
        changed = timezone.localdate(move.updated_at) if move.updated_at else None
        document[B] = {"名称": APPLICATION_NAME, "内容": content}
        if changed:
            document[B]["更新年月日"] = changed.isoformat()
    errors = validate(document)
    if errors:
        raise DataSetInvalid(errors)
    return document


# -- to the wizard's draft -----------------------------------------------------------------------


def _name(person: dict, full: str, family: str, given: str) -> str:
    if full in person:
        return person[full]
    return f"{person[family]} {person[given]}" if family in person and given in person else ""


def _draft_date(value: str) -> dict[str, str]:
    """An ISO date as the wizard's 年 / 月 / 日 fields after the era show it (和暦)."""
    return date_parts(date.fromisoformat(value))


def _draft_person(person: dict) -> dict:
    values: dict[str, Any] = {}
    name = _name(person, "氏名", "氏", "名")
    if name:
        values["name"] = name
    kana = _name(person, "氏名（カナ）", "氏（カナ）", "名（カナ）")
    if kana:
        try:
            values["name_kana"] = to_katakana(kana)
        except InputError:  # the schema allows katakana only: kept as given, the wizard says so
            values["name_kana"] = kana
    if "生年月日" in person:
        values["birth_date"] = _draft_date(person["生年月日"])
    if person.get("性別") in SEX_OF_CODE:
        values["sex"] = SEX_OF_CODE[person["性別"]]
    if person.get("続柄") and person["続柄"] != HEAD_RELATIONSHIP:
        values["relationship"] = person["続柄"]
    return values


def _draft_address(address: dict) -> dict:
    try:
        postcode = format_postcode(normalise_postcode(address["郵便番号"]))
    except InvalidPostcode:  # the schema's pattern lets none through: kept as given
        postcode = address["郵便番号"]
    building = address.get("建物名等（方書）", "")
    if all(key in address for key in ("都道府県", "市区町村（郡）", "町字以下")):
        line = address["都道府県"] + address["市区町村（郡）"] + address["町字以下"]
    else:
        line = address["連結表記"]
        if building and line.endswith(building):
            line = line[: -len(building)].rstrip()
    return {"postcode": postcode, "address": line, "building": building}


def from_data_set(document: Any) -> dict:
    """The wizard's draft (``Move.draft``) pre-filled from a valid data set, to be opened at its
    first step: the places (``from``, ``to``, ``move_date``) and the people (applicant, 世帯員,
    世帯主) that the document carries, as the wizard's fields show them — dates as 和暦 年 / 月 /
    日, kana as full-width katakana, phone numbers as ``normalise_phone`` writes them. Nothing
    is checked as the wizard checks (the postal code, the region): the wizard does, page by page.

    Raises ``DataSetInvalid`` with ``validate``'s errors for a document that is not valid.
    """
    errors = validate(document)
    if errors:
        raise DataSetInvalid(errors)
    basic = document.get(A, {})
    content = document.get(B, {}).get("内容", {})
    draft: dict[str, Any] = {"step": "places"}
    if any(key in content for key in ("旧住所", "新住所", "異動日")):
        draft["places"] = {
            "from": _draft_address(content["旧住所"]) if "旧住所" in content else {},
            "to": _draft_address(content["新住所"]) if "新住所" in content else {},
            "move_date": _draft_date(content["異動日"]) if "異動日" in content else "",
        }
    applicant = _draft_person(basic.get("申請者", {}))
    contact = basic.get("連絡先", {})
    if "連絡先電話番号" in contact:
        try:
            applicant["phone"] = normalise_phone(contact["連絡先電話番号"])
        except InputError:  # kept as given: the wizard says what is wrong with it
            applicant["phone"] = contact["連絡先電話番号"]
    if "連絡先メールアドレス" in contact:
        applicant["email"] = contact["連絡先メールアドレス"]
    people: dict[str, Any] = {}
    if applicant:
        people["applicant"] = applicant
    if "世帯員" in content or "世帯主" in content:
        members = [_draft_person(m) for m in content.get("世帯員", [])]
        people["members"] = members
        people["blank_rows"] = 1
        people["household"] = _draft_household(basic.get("申請者", {}), content)
    if people:
        people.setdefault("members", [])
        people.setdefault("blank_rows", 1)
        draft["people"] = people
    return draft


def _draft_household(applicant: dict, content: dict) -> dict:
    """The people step's 世帯主: whoever's 続柄 reads 世帯主, else someone already living there."""
    if applicant.get("続柄") == HEAD_RELATIONSHIP:
        return {"head": HEAD_APPLICANT, "head_name": ""}
    for i, member in enumerate(content.get("世帯員", [])):
        if member.get("続柄") == HEAD_RELATIONSHIP:
            return {"head": f"members[{i}]", "head_name": ""}
    return {"head": HEAD_OTHER, "head_name": content.get("世帯主", {}).get("氏名", "")}


def items_not_kept(document: dict) -> list[str]:
    """The paths of the items a (valid) document carries that hikkoshi has no field for (国籍):
    ``from_data_set`` leaves them out; the destination may tell the mover so."""
    # Personal data (an item the mover consents to) with no hikkoshi field.
    dropped = {row["path"] for row in _mapping()["items"] if row["hikkoshi"] is None and row["item"] is not None}
    found: list[str] = []

    def walk(node: Any, path: str, pattern: str) -> None:
        if pattern in dropped:
            found.append(path)
            return
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, _join(path, key), _join(pattern, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]", f"{pattern}[]")

    walk(document, "", "")
    return found
