"""The common data of a move (共通項目), as field schemas like a procedure's own fields."""

from dataclasses import replace

from django.utils.translation import gettext as _

from hikkoshi.catalogue.schema import FieldSpec

PERSON = (
    FieldSpec("name", "text", "氏名", "Full name", "漢字で。姓と名の間に空白。",
              "As written in the resident register, family name first.", required=True, max_length=40),
    FieldSpec("name_kana", "kana", "フリガナ", "Name in kana", "ひらがな・カタカナどちらでも。",
              "Hiragana or katakana.", required=True, max_length=60),
    FieldSpec("birth_date", "date", "生年月日", "Date of birth", "例: 1990-04-01、平成2年4月1日、H2.4.1",
              "For example 1990-04-01 or 平成2年4月1日.", required=True),
)
APPLICANT = PERSON + (
    FieldSpec("phone", "phone", "電話番号", "Phone number", "日中に連絡のつく番号", "Where you can be reached in the daytime.",
              required=True),
    FieldSpec("email", "email", "メールアドレス", "E-mail address", required=True),
)
# The applicant of a move entered for a customer by a call centre or an agency (代行): the
# customer may have no e-mail address (the forms are mailed to them).
APPLICANT_ASSISTED = tuple(replace(spec, required=False) if spec.name == "email" else spec for spec in APPLICANT)
MEMBER = PERSON + (
    FieldSpec("relationship", "text", "続柄", "Relationship", "届出人から見た続柄。例: 妻、子",
              "To you, for example 妻 (wife), 子 (child).", required=True, max_length=20),
)
ADDRESS = (
    FieldSpec("postcode", "postcode", "郵便番号", "Postal code", "例: 060-0042", "For example 060-0042.",
              required=True),
    FieldSpec("address", "text", "住所", "Address", "都道府県または市区町村から番地まで。例: 札幌市中央区大通西1丁目1",
              "From the prefecture or city to the block number.", required=True, max_length=200),
    FieldSpec("building", "text", "方書（建物名・部屋番号）", "Building and room", "例: ○○マンション 101号室",
              "For example the building's name and room 101.", max_length=100),
)
MOVE = (
    FieldSpec("move_date", "date", "引越し日", "Moving day", "新しい住所に住み始める日", "The day you start living at the new address.",
              required=True),
)
MAX_MEMBERS = 9


def member_limit_message() -> str:
    return _("At most %(count)d household members can move with you in one application.") % {"count": MAX_MEMBERS}


def applicant_fields(*, assisted: bool = False) -> tuple[FieldSpec, ...]:
    return APPLICANT_ASSISTED if assisted else APPLICANT
