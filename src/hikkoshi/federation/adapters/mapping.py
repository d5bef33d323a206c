"""Mappings as data: a peer's field names, code tables and converters, read from
``mappings/<adapter>.json``; this module is the conversions only.

A hand-over mapping (``"handoff"``) lists, for each item of the common data set (its path, as
``federation.dataset`` names it: ``個人申請基本情報（A票）.申請者.氏名``), the peer's field and how
the value is written there:

- ``"codes"``: a code table (性別 ``"1"`` → ``"男"``), read back through its inverse;
- ``"convert"``: a converter of ``CONVERTERS`` by name (``wareki`` writes ``R8.4.1``,
  ``half_width_kana`` writes ｻｯﾎﾟﾛ, ``compact_date`` writes 20260401), each with its inverse;
- ``"lists"``: a list item (世帯員) whose elements become numbered fields (``{n}`` from 1,
  ``{i}`` from 0 in the field name), at most ``"max"`` — a longer list is not cut short, it is
  refused (``NotRepresentable``);
- ``"constants"``: items every document of this version has (データセット, 名称): checked, not sent,
  restored when read back;
- ``"derived"``: rules that restore, when reading back, what the peer's fields imply
  (``split_names``: 氏 and 名 from 氏名; ``address_line``: 連結表記 from its parts).

``encode`` gives the fields in order with the paths they carry and the document's items the
peer has no field for (``not_sent``: the record says so, the review page can too); ``decode``
reads such fields back into a data set, so a test can show that what the peer received is the
same data — nothing retyped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
import json
from pathlib import Path
import re
from typing import Any

from hikkoshi.japanese import InputError, era_and_year, full_width_kana, parse_date, to_katakana
from hikkoshi.places.normalise import InvalidPostcode, normalise_postcode

from . import NotRepresentable, Outgoing

MAPPINGS = Path(__file__).resolve().parent / "mappings"


@lru_cache(maxsize=8)
def load(name: str) -> dict[str, Any]:
    """The mapping of an adapter (``mappings/<name>.json``)."""
    return json.loads((MAPPINGS / f"{name}.json").read_text(encoding="utf-8"))


# -- converters: (to the peer, back from the peer), each str → str ------------------------------


def _wareki(value: str) -> str:
    """``2026-04-01`` → ``R8.4.1`` (the era's letter, its year — 1 for 元年 — month, day)."""
    day = date.fromisoformat(value)
    found = era_and_year(day)
    if found is None:
        raise ValueError("no era before 明治")
    era, year = found
    return f"{era.letter}{year}.{day.month}.{day.day}"


def _from_wareki(value: str) -> str:
    return parse_date(value).isoformat()


def _half_width_kana(value: str) -> str:
    """Full-width katakana as half-width (サッポロ　ハナコ → ｻｯﾎﾟﾛ ﾊﾅｺ; the ideographic space an
    ASCII space); kana with no half-width form (ヵ, ヶ, ヮ) stay full-width."""
    import jaconv

    return jaconv.z2h(value, kana=True, ascii=False, digit=False).replace("\u3000", " ")


def _compact_date(value: str) -> str:
    return date.fromisoformat(value).strftime("%Y%m%d")


def _from_compact_date(value: str) -> str:
    if not re.fullmatch(r"\d{8}", value):
        raise ValueError("not YYYYMMDD")
    return date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()


def _slash_date(value: str) -> str:
    return date.fromisoformat(value).strftime("%Y/%m/%d")


def _from_slash_date(value: str) -> str:
    match = re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", value)
    if not match:
        raise ValueError("not YYYY/MM/DD")
    return date(*(int(part) for part in match.groups())).isoformat()


def _postcode_digits(value: str) -> str:
    return normalise_postcode(value)


def _same(value: str) -> str:
    return value


CONVERTERS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    "wareki": (_wareki, _from_wareki),
    "half_width_kana": (_half_width_kana, to_katakana),
    "compact_date": (_compact_date, _from_compact_date),
    "slash_date": (_slash_date, _from_slash_date),
    "postcode_digits": (_postcode_digits, _same),
}

# What a directory cell or a search entry is read through (peer → hikkoshi-directory).
READERS: dict[str, Callable[[str], str]] = {
    "wareki": _from_wareki,
    "slash_date": _from_slash_date,
    "compact_date": _from_compact_date,
    "full_width_kana": full_width_kana,
    "postcode_digits": _postcode_digits,
}


def read(converter: str | None, value: str) -> str:
    """A peer's directory value in hikkoshi's form (``ValueError`` when it is not readable)."""
    if not converter or not value:
        return value
    try:
        return READERS[converter](value)
    except (InputError, InvalidPostcode) as exc:
        raise ValueError(str(exc)) from exc


# -- paths in a data set ---------------------------------------------------------------------------

_MISSING = object()


def _get(document: Any, path: str) -> Any:
    node = document
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node = document
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


def leaves(node: Any, path: str = "") -> list[str]:
    """Every leaf's path (``a.b``, ``a.list[0].c``); a list of text is one leaf."""
    if isinstance(node, dict):
        found: list[str] = []
        for key, value in node.items():
            found += leaves(value, f"{path}.{key}" if path else key)
        return found
    if isinstance(node, list) and any(isinstance(item, dict) for item in node):
        found = []
        for i, value in enumerate(node):
            found += leaves(value, f"{path}[{i}]")
        return found
    return [path]


# -- encoding ---------------------------------------------------------------------------------------


def limits(spec: Mapping[str, Any]) -> dict[str, int]:
    """The most elements each list item of a hand-over mapping takes (its ``"max"``)."""
    return {group["item"]: int(group["max"]) for group in spec.get("lists", ())}


def _encode_value(rule: Mapping[str, Any], value: Any, path: str) -> str:
    if isinstance(value, list):
        value = rule.get("join", ",").join(str(v) for v in value)
    if not isinstance(value, str):
        raise NotRepresentable(path)
    if "codes" in rule:
        if value not in rule["codes"]:
            raise NotRepresentable(path, f"{path}: the peer has no code for this value")
        return str(rule["codes"][value])
    if "convert" in rule:
        try:
            return CONVERTERS[rule["convert"]][0](value)
        except (ValueError, InputError, InvalidPostcode) as exc:
            raise NotRepresentable(path) from exc
    return value


def encode(document: dict[str, Any], spec: Mapping[str, Any]) -> Outgoing:
    """The peer's fields for a data set (in the mapping's order), what they carry, and what the
    document has that the peer takes no field for. Raises ``NotRepresentable`` (nothing is
    sent) for a constant that differs, a list longer than the peer's, a value it cannot write."""
    for path, expected in spec.get("constants", {}).items():
        if _get(document, path) not in (_MISSING, expected):
            raise NotRepresentable(path, f"{path}: the peer takes only {expected}")
    fields: list[tuple[str, str]] = []
    carried: dict[str, str] = {}  # field → path
    for rule in spec.get("fields", ()):
        value = _get(document, rule["item"])
        if value is _MISSING:
            continue
        fields.append((rule["field"], _encode_value(rule, value, rule["item"])))
        carried[rule["field"]] = rule["item"]
    for group in spec.get("lists", ()):
        items = _get(document, group["item"])
        if items is _MISSING:
            continue
        if len(items) > group["max"]:
            raise NotRepresentable(f"{group['item']}[{group['max']}]", f"the peer takes at most {group['max']}")
        for i, element in enumerate(items):
            for rule in group["fields"]:
                value = _get(element, rule["item"])
                if value is _MISSING:
                    continue
                path = f"{group['item']}[{i}].{rule['item']}"
                name = rule["field"].format(n=i + 1, i=i)
                fields.append((name, _encode_value(rule, value, path)))
                carried[name] = path
    # Not sent: every item that does not read back from these fields as it is in the document
    # (a field of its own, a derived item such as 氏 from 氏名, or a constant) — by value.
    back = decode(dict(fields), spec)
    not_sent = tuple(path for path in leaves(document) if _at(back, path) != _at(document, path))
    return Outgoing(tuple(fields), tuple(carried[name] for name, _value in fields), not_sent)


def _at(document: Any, path: str) -> Any:
    """The value at a leaf's path (``a.list[1].c``), or a marker when there is none."""
    node = document
    for key in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if key.startswith("["):
            index = int(key[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return _MISSING
            node = node[index]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return _MISSING
    return node


def path_of_field(outgoing: Outgoing, name: str) -> str:
    """The data-set path a field of ``outgoing`` carries."""
    for (field_name, _value), path in zip(outgoing.fields, outgoing.sent_paths):
        if field_name == name:
            return path
    return name


# -- decoding (what the peer received, read back) -------------------------------------------------


def _decode_value(rule: Mapping[str, Any], value: str) -> Any:
    if "codes" in rule:
        inverse = {str(code): key for key, code in rule["codes"].items()}
        return inverse[value]
    if "convert" in rule:
        return CONVERTERS[rule["convert"]][1](value)
    if "join" in rule:
        return [part for part in value.split(rule["join"]) if part]
    return value


_SPACES = re.compile("[\u0020\u3000]+")


def _split(text: str) -> tuple[str, str] | None:
    found = [part for part in _SPACES.split(text.strip()) if part]
    return (found[0], found[1]) if len(found) == 2 else None


def _split_names(person: dict[str, Any]) -> None:
    for whole, family, given in (("氏名", "氏", "名"), ("氏名（カナ）", "氏（カナ）", "名（カナ）")):
        if whole in person and family not in person and given not in person and (parts := _split(person[whole])):
            person[family], person[given] = parts


def _address_line(address: dict[str, Any]) -> None:
    if "連結表記" not in address and all(k in address for k in ("都道府県", "市区町村（郡）", "町字以下")):
        line = address["都道府県"] + address["市区町村（郡）"] + address["町字以下"]
        building = address.get("建物名等（方書）")
        address["連結表記"] = f"{line} {building}" if building else line


def decode(received: Mapping[str, str], spec: Mapping[str, Any]) -> dict[str, Any]:
    """A data set from the fields a peer received (the inverse of ``encode``, with the
    mapping's constants and derived items restored). A field left empty is an item not given."""
    document: dict[str, Any] = {}
    for rule in spec.get("fields", ()):
        if received.get(rule["field"]):
            _set(document, rule["item"], _decode_value(rule, received[rule["field"]]))
    for group in spec.get("lists", ()):
        elements = []
        for i in range(group["max"]):
            element: dict[str, Any] = {}
            for rule in group["fields"]:
                value = received.get(rule["field"].format(n=i + 1, i=i))
                if value:
                    _set(element, rule["item"], _decode_value(rule, value))
            if element:
                elements.append(element)
        # An empty list is there when the mover agreed to hand over its item (no one moving
        # with them): the consent says so.
        if elements or group.get("consent") in document.get(spec.get("consent_item", "提供項目"), ()):
            _set(document, group["item"], elements)
    for path, value in spec.get("constants", {}).items():
        parent = path.rpartition(".")[0]
        if not parent or _get(document, parent) is not _MISSING:
            _set(document, path, value)
    derived = set(spec.get("derived", ()))
    people = [_get(document, path) for path in spec.get("people", ())]
    for group in spec.get("lists", ()):
        listed = _get(document, group["item"])
        if listed is not _MISSING and group.get("people"):
            people += listed
    if "split_names" in derived:
        for person in people:
            if isinstance(person, dict):
                _split_names(person)
    if "address_line" in derived:
        for path in spec.get("addresses", ()):
            address = _get(document, path)
            if isinstance(address, dict):
                _address_line(address)
    return document
