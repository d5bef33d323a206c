"""Japanese wording of the official forms, and what the documents read from a move's data.

The 住民異動届 and what organisations receive (申込書, FAX送付状) are in Japanese, like the paper
forms they stand in for and the counters that receive them; these are fixed texts of the forms,
not interface strings, so they are not translated. The documents the mover reads (申請結果,
申請控え, the page after a form) follow the request's language: see ``wording``.
"""

import re

from hikkoshi.places.normalise import format_postcode

from .data import FieldValue, ProcedureRecord

# 住民異動届: the kind of notification, in the order the form lists its boxes.
NOTIFICATIONS = {"move_in": "転入", "relocation": "転居", "move_out": "転出"}
NOTIFICATION_BOXES = ("転入", "転居", "転出", "世帯変更")
FORM_TITLES = {"move_in": "転入届", "relocation": "転居届", "move_out": "転出届"}

SEAL_NOTE = "届出の任に当たっている者本人による署名の場合、押印は必要ありません"

HEAD = "世帯主"  # 続柄 on the 世帯主's own row
SEXES = {"male": "男", "female": "女"}

# Procedure fields the 住民異動届 reads, by ``FieldValue.name`` (the catalogue's field names);
# a field whose label carries the Japanese word is taken too. (世帯主 and 続柄 are the move's
# common data, ``MoveRecord.head_of_household`` and ``Person.relationship``, not fields.)
# The building line of an address is its 方書 (katagaki: building, room, "c/o" after the lot
# number); the field names are the catalogue's data and keep their spelling.
BUILDING_LINE_FIELDS = ("katagaki", "new_katagaki", "building", "address_extra")
BUILDING_LINE_LABEL = "方書"
OLD_BUILDING_LINE_FIELDS = ("old_katagaki",)


def field_value(entry: ProcedureRecord, names: tuple[str, ...], label: str = "") -> str:
    """The value of the first field named in ``names`` (or, failing that, whose label starts
    with ``label``), stripped; "" when there is none."""
    fields: tuple[FieldValue, ...] = entry.fields
    for name in names:
        for f in fields:
            if f.name == name and f.value.strip():
                return f.value.strip()
    if label:
        for f in fields:
            if f.label.startswith(label) and "続柄" not in f.label and f.value.strip():
                return f.value.strip()
    return ""


def householder(record) -> str:
    """世帯主 at the new address: ``record.head_of_household``; for a move stored before it was
    asked, the applicant (who was then taken to be the head)."""
    return record.head_of_household.strip() or record.applicant.name


def relationship(record, person) -> str:
    """続柄 of ``person`` to the 世帯主 as the form prints it: as stored, and 世帯主 on the
    applicant's row of a move stored before it was asked (the applicant was the head then,
    and the members' 続柄 were to the applicant)."""
    if person.relationship.strip():
        return person.relationship.strip()
    if person is record.applicant and not record.head_of_household.strip():
        return HEAD
    return ""


def destination(entry: ProcedureRecord) -> str:
    """Where a procedure goes, as the documents name it: the office stored on the entry (the
    ward's 戸籍住民課 for a 住民異動届, not the city as an organisation) when there is one."""
    if entry.office is not None and entry.office.name.strip():
        return entry.office.name.strip()
    return entry.organisation


def sex(person) -> str:
    """性別 as printed: 男, 女, or "" when not given."""
    return SEXES.get(person.sex, "")


def new_building_line(record, entry: ProcedureRecord) -> str:
    """方書 (katagaki) of the new address: a procedure's own field, else the address's building."""
    return field_value(entry, BUILDING_LINE_FIELDS, BUILDING_LINE_LABEL) or record.new_address.building


def old_building_line(record, entry: ProcedureRecord) -> str:
    """方書 (katagaki) of the old address: a procedure's own field, else the address's building."""
    return field_value(entry, OLD_BUILDING_LINE_FIELDS) or record.old_address.building


def postcode(code: str) -> str:
    """``〒060-0042`` from seven digits; as given otherwise."""
    digits = code.replace("-", "").strip()
    if len(digits) == 7 and digits.isdigit():
        return "〒" + format_postcode(digits)
    return f"〒{code}" if code else ""


def mayor_of(municipality: str) -> str:
    """The addressee of a 住民異動届: 札幌市中央区 → 札幌市長, 千代田区 → 千代田区長,
    上川郡上川町 → 上川町長 (a designated city's ward files with the city's mayor)."""
    name = municipality.strip()
    # A county (郡) names towns and villages only: 上川郡上川町 → 上川町, but 郡山市 stays.
    name = re.sub(r"^.+?郡(?=.+[町村]$)", "", name)
    if name.endswith("区") and "市" in name[:-1]:
        name = name[: name.rindex("市") + 1]  # 札幌市中央区 → 札幌市
    return f"{name}長" if name else "市区町村長"
