"""Japanese wording of the printed documents, and what they read from a procedure's fields.

The printed documents are in Japanese, like the paper forms they stand in for and the counters
that receive them; these are fixed texts of the forms, not interface strings, so they are not
translated. Headings of 申請結果 and 申請控え carry an English subtitle for movers who do not
read Japanese.
"""

import re

from hikkoshi.places.normalise import format_postcode

from .data import FieldValue, ProcedureEntry

CHANNELS = {"web": "Web", "email": "メール", "fax": "FAX", "window": "窓口"}

# 住民異動届: the kind of notification, in the order the form lists its boxes.
NOTIFICATIONS = {"move_in": "転入", "relocation": "転居", "move_out": "転出"}
NOTIFICATION_BOXES = ("転入", "転居", "転出", "世帯変更")
FORM_TITLES = {"move_in": "転入届", "relocation": "転居届", "move_out": "転出届"}

SEAL_NOTE = "届出の任に当たっている者本人による署名の場合、押印は必要ありません"
SAMPLE_DATA = "サンプルデータ"

# Procedure fields the 住民異動届 reads, by ``FieldValue.name`` (the catalogue's field names);
# a field whose label carries the Japanese word is taken too.
HOUSEHOLDER_FIELDS = ("householder", "householder_name", "head_of_household")
HOUSEHOLDER_LABEL = "世帯主"
HOUSEHOLDER_RELATIONSHIP_FIELDS = ("householder_relationship",)
KATAGAKI_FIELDS = ("katagaki", "new_katagaki", "building", "address_extra")
KATAGAKI_LABEL = "方書"
OLD_KATAGAKI_FIELDS = ("old_katagaki",)


def field_value(entry: ProcedureEntry, names: tuple[str, ...], label: str = "") -> str:
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


def householder(record, entry: ProcedureEntry) -> tuple[str, str]:
    """世帯主 and 続柄 for the form. Left empty, the applicant is the head of the household
    (the field's help says so), printed as the applicant's name and 本人."""
    name = field_value(entry, HOUSEHOLDER_FIELDS, HOUSEHOLDER_LABEL)
    relationship = field_value(entry, HOUSEHOLDER_RELATIONSHIP_FIELDS)
    if not name:
        return record.applicant.name, relationship or "本人"
    return name, relationship


def new_katagaki(record, entry: ProcedureEntry) -> str:
    """方書 of the new address: a procedure's own field, else the address's building."""
    return field_value(entry, KATAGAKI_FIELDS, KATAGAKI_LABEL) or record.new_address.building


def old_katagaki(record, entry: ProcedureEntry) -> str:
    """方書 of the old address: a procedure's own field, else the address's building."""
    return field_value(entry, OLD_KATAGAKI_FIELDS) or record.old_address.building


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
