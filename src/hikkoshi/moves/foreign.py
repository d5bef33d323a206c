"""Foreign residents (外国人住民): what the 住民異動届 asks of them, per person.

A person who is not a Japanese national and is registered as a resident (外国人住民, 住民基本台帳法
第30条の45) files the same 住民異動届 (転入届・転居届・転出届), with more fields per person. What the
standard form asks of them (``shared/reference/forms.md`` 1.2 (A), the standard form's 「外国人住民
のみ」 fields): 国籍・地域, 在留資格, 在留カード等の番号, 在留期間等 / 在留期間の満了の日 and
「法第30条の45に規定する区分」. The categories of that article and what the resident register holds
for each (住民基本台帳法第30条の45 and its table, read in a copy of the law at iuris.jp; the same
four groups on 大和市's page 「住民票作成対象者・住民票の記載事項」 and 芝山町's page on the 2012 change):

- 中長期在留者: 在留資格, 在留期間, 在留期間の満了の日 and the number of the 在留カード;
- 特別永住者: the number of the 特別永住者証明書;
- 一時庇護許可者 / 仮滞在許可者, 出生による経過滞在者 / 国籍喪失による経過滞在者: no card.

The card number (在留カード等番号) is 12 characters: 2 letters, 8 digits, 2 letters (e.g.
AB12345678CD), as the Immigration Services Agency's sample card shows it and its
在留カード等番号失効情報照会 asks for it (half-width capitals) — seen in third-party pages quoting
them (visamate.net, attorney-office.com); the agency's own page was not read.

The name is the 氏名 field as for everyone (as on the card, in alphabet or kanji); an alphabet
name beside a kanji one and a registered 通称 are not asked: no source read says how the form asks
them.

The fields are part of the applicant's and each member's common data (``moves.common``), asked
on the people step only where a 住民異動届 applies, and stored encrypted with the rest of the
person (``Move.applicant`` / ``Move.members``). ``foreign_resident_check`` says what is missing
for a foreign resident and refuses these fields for anyone else. They go only to procedures
whose organisation receives ``CommonItem.FOREIGN_RESIDENT`` (the 住民異動届); a federation hand-over
does not carry them (the common data set, version 1, has no item for them).
"""

from typing import Any
import unicodedata

from django.utils.translation import gettext as _

from hikkoshi.catalogue.schema import Choice, FieldSpec

# 法第30条の45に規定する区分 (stored values; the labels are the law's words).
MID_LONG, SPECIAL_PERMANENT = "mid_long_term", "special_permanent"
TEMPORARY_REFUGE, PROVISIONAL_STAY = "temporary_refuge", "provisional_stay"
CATEGORIES = (
    Choice(MID_LONG, "中長期在留者", "Mid- to long-term resident (中長期在留者)"),
    Choice(SPECIAL_PERMANENT, "特別永住者", "Special permanent resident (特別永住者)"),
    Choice(TEMPORARY_REFUGE, "一時庇護許可者", "Permitted temporary refuge (一時庇護許可者)"),
    Choice(PROVISIONAL_STAY, "仮滞在許可者", "Permitted provisional stay (仮滞在許可者)"),
    Choice("transitional_birth", "出生による経過滞在者", "Transitional stay after birth (出生による経過滞在者)"),
    Choice(
        "transitional_nationality_loss",
        "国籍喪失による経過滞在者",
        "Transitional stay after losing Japanese nationality (国籍喪失による経過滞在者)",
    ),
)
# Who holds a card whose number the form asks: 在留カード, or 特別永住者証明書.
CARD_HOLDERS = (MID_LONG, SPECIAL_PERMANENT)

FOREIGN_RESIDENT = FieldSpec(
    "foreign_resident",
    "boolean",
    "外国人住民です（日本の国籍がありません）",
    "I am a foreign resident (not a Japanese national)",
    "外国人住民の方は、届書に書く国籍・地域と在留カードの番号などを下に入力してください。",
    "Foreign residents give their nationality, residence card number and the rest below; they are printed on the form.",
)
FOREIGN_RESIDENT_MEMBER = FieldSpec(
    "foreign_resident",
    "boolean",
    "この人は外国人住民です（日本の国籍がありません）",
    "This person is a foreign resident (not a Japanese national)",
)
CATEGORY = FieldSpec(
    "residence_category",
    "choice",
    "住民票の区分（住民基本台帳法第30条の45）",
    "Category (Article 30-45 of the Basic Resident Registration Act)",
    "在留カードをお持ちの方は「中長期在留者」、特別永住者証明書をお持ちの方は「特別永住者」。",
    "With a residence card: mid- to long-term resident; with a special permanent resident certificate: "
    "special permanent resident.",
    choices=CATEGORIES,
)
NATIONALITY = FieldSpec(
    "nationality",
    "text",
    "国籍・地域",
    "Nationality or region",
    "在留カードのとおり。例: ベトナム、中国、台湾",
    "As on the residence card, for example ベトナム (Viet Nam).",
    max_length=40,
)
CARD_NUMBER = FieldSpec(
    "residence_card_number",
    "text",
    "在留カード等の番号",
    "Residence card number",
    "在留カードまたは特別永住者証明書の右上の番号。英字2桁・数字8桁・英字2桁（例: AB12345678CD）",
    "On the top right of the residence card or special permanent resident certificate: 2 letters, "
    "8 digits, 2 letters (for example AB12345678CD).",
    max_length=30,
)
STATUS = FieldSpec(
    "residence_status",
    "text",
    "在留資格",
    "Status of residence",
    "中長期在留者の方。在留カードのとおり。例: 留学、永住者、技術・人文知識・国際業務",
    "Mid- to long-term residents: as on the residence card, for example 留学 (student).",
    max_length=40,
)
PERIOD = FieldSpec(
    "period_of_stay",
    "text",
    "在留期間",
    "Period of stay",
    "中長期在留者の方（任意）。在留カードのとおり。例: 3年",
    "Mid- to long-term residents (optional): as on the residence card, for example 3年 (3 years).",
    max_length=20,
)
EXPIRY = FieldSpec(
    "stay_expiry",
    "date",
    "在留期間の満了の日",
    "Date of expiration of the period of stay",
    "中長期在留者の方。在留カードの「在留期間（満了日）」の日付。例: 2028年 3月 31日",
    "Mid- to long-term residents: the date in 在留期間（満了日） on the card, for example 2028年 3月 31日.",
)
DETAILS = (CATEGORY, NATIONALITY, CARD_NUMBER, STATUS, PERIOD, EXPIRY)
APPLICANT_FOREIGN = (FOREIGN_RESIDENT, *DETAILS)
MEMBER_FOREIGN = (FOREIGN_RESIDENT_MEMBER, *DETAILS)
# Every key of a person that belongs to foreign residents only.
NAMES = frozenset(spec.name for spec in APPLICANT_FOREIGN)
DETAIL_NAMES = tuple(spec.name for spec in DETAILS)
# What only 中長期在留者 have (在留資格, 在留期間, 在留期間の満了の日), and the card number only card holders.
MID_LONG_ONLY = (STATUS, PERIOD, EXPIRY)


def applies(name: str, category: Any) -> bool:
    """Whether a person of this 区分 has the field ``name`` (an unknown or missing 区分: every field,
    the 区分 itself being asked): 在留資格・在留期間・満了日 only 中長期在留者, the card number only
    中長期在留者 and 特別永住者 (住民基本台帳法第30条の45 and its table)."""
    known = any(c.value == category for c in CATEGORIES)
    if not known:
        return True
    if name in {spec.name for spec in MID_LONG_ONLY}:
        return category == MID_LONG
    if name == CARD_NUMBER.name:
        return category in CARD_HOLDERS
    return True


def normalise_card_number(text: str) -> str:
    """A card number as typed (full-width, lower case, with spaces or hyphens) in its printed form."""
    text = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in text if ch.isalnum())


def valid_card_number(text: str) -> bool:
    return len(text) == 12 and text.isascii() and text[:2].isalpha() and text[2:10].isdigit() and text[10:].isalpha()


def is_foreign(person: Any) -> bool:
    return isinstance(person, dict) and person.get("foreign_resident") is True


def foreign_resident_check(person: dict, path: str, errors: dict[str, str]) -> None:
    """Check a person's foreign-resident fields (``person`` cleaned by ``clean_values``, changed in
    place: the card number in its printed form, ``foreign_resident`` left out when not true).

    For a foreign resident the category and 国籍・地域 are required; the card number for those
    who hold one (中長期在留者, 特別永住者); 在留資格 and the expiry date for 中長期在留者. For anyone
    else, these fields are refused (never kept without the question answered); so are 在留資格,
    在留期間 and the expiry date for any 区分 other than 中長期在留者, and the card number for a 区分
    without a card (``applies``), naming the field.
    """
    if not is_foreign(person):
        person.pop("foreign_resident", None)
        for name in DETAIL_NAMES:
            if name in person and f"{path}.{name}" not in errors:
                errors[f"{path}.{name}"] = _(
                    "Give this only for a foreign resident (外国人住民): answer that question first."
                )
        return
    category = person.get(CATEGORY.name)

    def missing(name: str, message: str) -> None:
        if not str(person.get(name) or "").strip() and f"{path}.{name}" not in errors:
            errors[f"{path}.{name}"] = message

    missing(CATEGORY.name, _("Choose the category of the foreign resident (住民票の区分)."))
    missing(NATIONALITY.name, _("Give the nationality or region (国籍・地域) as on the residence card."))
    number = person.get(CARD_NUMBER.name)
    if isinstance(number, str) and number:
        number = normalise_card_number(number)
        if valid_card_number(number):
            person[CARD_NUMBER.name] = number
        elif f"{path}.{CARD_NUMBER.name}" not in errors:
            errors[f"{path}.{CARD_NUMBER.name}"] = _(
                "Enter the residence card number (在留カード等の番号) as 2 letters, 8 digits and 2 letters, "
                "for example AB12345678CD."
            )
    if category in CARD_HOLDERS:
        missing(
            CARD_NUMBER.name,
            _("Give the number of the residence card or special permanent resident certificate (在留カード等の番号)."),
        )
    refused = {
        STATUS.name: _(
            "The status of residence (在留資格) is only for a mid- to long-term resident (中長期在留者), "
            "not for %(category)s: leave it empty, or choose the category on the card."
        ),
        PERIOD.name: _(
            "The period of stay (在留期間) is only for a mid- to long-term resident (中長期在留者), "
            "not for %(category)s: leave it empty, or choose the category on the card."
        ),
        EXPIRY.name: _(
            "The date of expiration of the period of stay (在留期間の満了の日) is only for a mid- to long-term "
            "resident (中長期在留者), not for %(category)s: leave it empty, or choose the category on the card."
        ),
        CARD_NUMBER.name: _(
            "%(category)s has no residence card or special permanent resident certificate: leave the card "
            "number (在留カード等の番号) empty, or choose the category on the card."
        ),
    }
    for name, message in refused.items():
        if not applies(name, category) and str(person.get(name) or "").strip():
            errors[f"{path}.{name}"] = message % {"category": category_label(str(category))}
    if category == MID_LONG:
        missing(STATUS.name, _("Give the status of residence (在留資格) as on the residence card."))
        missing(EXPIRY.name, _("Give the date of expiration of the period of stay (在留期間の満了の日)."))


def without_foreign(values: Any) -> Any:
    """A person's typed values without the foreign-resident fields (the wizard's payload when the
    question was not answered yes, or no 住民異動届 applies: what was typed stays in the draft)."""
    if not isinstance(values, dict):
        return values
    return {k: v for k, v in values.items() if k not in NAMES}


def category_label(value: str) -> str:
    """The category in the law's words (Japanese: it is printed on the official form)."""
    return next((c.label for c in CATEGORIES if c.value == value), value)
