"""The common data of a move (共通項目), as field schemas like a procedure's own fields."""

from dataclasses import replace

from django.utils.translation import gettext as _

from hikkoshi.catalogue.schema import Choice, FieldSpec

from .foreign import APPLICANT_FOREIGN, MEMBER_FOREIGN

PERSON = (
    FieldSpec(
        "name",
        "text",
        "氏名",
        "Full name",
        "漢字で。姓と名の間に空白。",
        "As written in the resident register, family name first.",
        required=True,
        max_length=40,
    ),
    FieldSpec(
        "name_kana",
        "kana",
        "フリガナ",
        "Name in kana",
        "ひらがな・カタカナどちらでも。",
        "Hiragana or katakana.",
        required=True,
        max_length=60,
    ),
    FieldSpec(
        "birth_date",
        "date",
        "生年月日",
        "Date of birth",
        "例: 平成 2年 4月 1日、西暦なら 1990年 4月 1日。年の欄に H2.4.1 や 1990-04-01 と続けて入力することもできます。",
        "For example 平成 2年 4月 1日, or with 西暦 1990年 4月 1日. A whole date typed in the year field "
        "(H2.4.1, 1990-04-01) is read too.",
        required=True,
    ),
)
# 性別, optional: printed on the 住民異動届 only when given.
SEX = FieldSpec(
    "sex",
    "choice",
    "性別",
    "Sex",
    "任意。届書に印字されます。",
    "Optional; printed on the form when given.",
    choices=(Choice("male", "男", "Male"), Choice("female", "女", "Female")),
)
# 続柄 to the 世帯主 (head of household) at the new address, as the 住民異動届 asks it; the
# head's own row reads 世帯主 and is not asked (``household_check``).
RELATIONSHIP = FieldSpec(
    "relationship",
    "text",
    "続柄（世帯主から見て）",
    "Relationship to the head of household",
    "世帯主から見た続柄。例: 妻、夫、子、父、母、同居人。世帯主本人は不要です。",
    "As the head of household's, for example 妻 (wife), 子 (child); not needed for the head.",
    max_length=20,
)
APPLICANT = PERSON + (
    SEX,
    FieldSpec(
        "phone",
        "phone",
        "電話番号",
        "Phone number",
        "日中に連絡のつく番号",
        "Where you can be reached in the daytime.",
        required=True,
    ),
    FieldSpec("email", "email", "メールアドレス", "E-mail address", required=True),
    replace(
        RELATIONSHIP,
        label="届出人の続柄（世帯主から見て）",
        label_en="The applicant's relationship to the head of household",
        help="あなたが世帯主でないとき、世帯主から見たあなたの続柄。例: 妻、子",
        help_en="When you are not the head of household: what you are to them, for example 妻 (wife).",
    ),
    # 外国人住民: asked where a 住民異動届 applies (``moves.foreign``).
    *APPLICANT_FOREIGN,
)
# The applicant of a move entered for a customer by a call centre or an agency (代行): the
# customer may have no e-mail address (the forms are mailed to them).
APPLICANT_ASSISTED = tuple(replace(spec, required=False) if spec.name == "email" else spec for spec in APPLICANT)
MEMBER = PERSON + (SEX, RELATIONSHIP, *MEMBER_FOREIGN)
# 世帯主 at the new address: the applicant, one of the members moving (``members[N]``) or
# someone already living there (``other``, by name). Absent: the applicant.
HEAD_APPLICANT, HEAD_OTHER = "applicant", "other"
HEAD_NAME = FieldSpec(
    "head_name",
    "text",
    "世帯主の氏名",
    "Name of the head of household",
    "新住所にすでに住んでいる世帯主の氏名（住民票のとおり）",
    "The head of household already living at the new address, as in the resident register.",
    max_length=40,
)
# What the head's own row reads in 続柄.
HEAD_RELATIONSHIP = "世帯主"
ADDRESS = (
    FieldSpec(
        "postcode", "postcode", "郵便番号", "Postal code", "例: 060-0042", "For example 060-0042.", required=True
    ),
    FieldSpec(
        "address",
        "text",
        "住所",
        "Address",
        "都道府県または市区町村から番地まで。例: 札幌市中央区大通西1丁目1",
        "From the prefecture or city to the block number.",
        required=True,
        max_length=200,
    ),
    FieldSpec(
        "building",
        "text",
        "方書（建物名・部屋番号）",
        "Building and room",
        "例: ○○マンション 101号室",
        "For example the building's name and room 101.",
        max_length=100,
    ),
)
MOVE = (
    FieldSpec(
        "move_date",
        "date",
        "引越し日",
        "Moving day",
        "新しい住所に住み始める日",
        "The day you start living at the new address.",
        required=True,
    ),
)
MAX_MEMBERS = 9


def member_limit_message() -> str:
    return _("At most %(count)d household members can move with you in one application.") % {"count": MAX_MEMBERS}


def applicant_fields(*, assisted: bool = False) -> tuple[FieldSpec, ...]:
    return APPLICANT_ASSISTED if assisted else APPLICANT
