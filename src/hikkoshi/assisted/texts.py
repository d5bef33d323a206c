"""The texts a customer agrees to before a move is entered for them (同意の文面), versioned.

These are fixed texts, not interface strings: what exactly was read or signed is identified by
its version, which is stored with the consent. Change a text only together with its version.
Each has a Japanese and an English wording, shown side by side (the operator reads the one the
caller understands; the phone page and the sheet show both).

- ``CALL_SCRIPT``: read by a call-centre operator to the caller (通話スクリプト).
- ``AGENCY_CONSENT``: on the consent sheet (同意書) an agency's customer signs, and on the page
  the customer opens on their own phone; ``{agency}`` and ``{store}`` are filled in.

A text replaced by a new version stays here (``EARLIER``), so the words of a consent recorded
under it are still known (``text_of``). The 2026-12 texts did not name the data asked of
foreign residents (外国人住民: 国籍・地域, 在留カード等の番号, 在留資格, 在留期間, 区分, see
``hikkoshi.moves.foreign``); the ``-foreign`` versions do.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentText:
    version: str
    ja: tuple[str, ...]  # paragraphs
    en: tuple[str, ...]

    def filled(self, **values) -> "ConsentText":
        return ConsentText(
            self.version, tuple(p.format(**values) for p in self.ja), tuple(p.format(**values) for p in self.en)
        )


_DATA_JA = (
    "お伺いするのは、お名前・フリガナ・生年月日・電話番号・メールアドレス、一緒に引っ越す方の"
    "お名前・フリガナ・生年月日・続柄、旧住所と新住所、引越し日と、手続きごとに必要な項目です。"
)
_DATA_EN = (
    "We will ask for your name, its reading in kana, date of birth, phone number and e-mail "
    "address; the names, readings, dates of birth and relationship of the people moving with "
    "you; the old and the new address; the moving day; and what each procedure asks for."
)
_FOREIGN_JA = (
    "外国人住民の方には、住民異動届（転入届・転居届・転出届）に書く、国籍・地域、在留カード等の番号、"
    "在留資格、在留期間とその満了の日、住民票の区分（住民基本台帳法第30条の45）もお伺いします。"
    "これらは住民異動届のためだけに使います。"
)
_FOREIGN_EN = (
    "From foreign residents we will also ask what the resident registration form (住民異動届: "
    "転入届, 転居届, 転出届) asks of them: nationality or region, residence card number, status "
    "of residence, period of stay and its date of expiration, and the category of Article 30-45 of "
    "the Basic Resident Registration Act. They are used for that form only."
)
_FLOW_JA = (
    "入力した内容は、選んだ手続きごとに、その提出先（区役所・電力会社・ガス会社・水道局・新聞社など）へ、"
    "提出先が受け付ける方法（Web・メール・FAX）で送られます。区役所などの窓口の手続きは送られず、"
    "記入済みの届出書をお渡しします。署名のうえ窓口へお持ちください。"
)
_FLOW_EN = (
    "What is entered goes, for each procedure chosen, to the organisation of that procedure "
    "(ward office, electricity, gas, water, newspaper…) by the way it accepts (web, e-mail, fax). "
    "Procedures done at a counter, such as the ward office's, are not sent: you get the "
    "filled-in form, to sign and take to the counter."
)
_KEEP_JA = "入力した内容は、提出先のほかには渡しません。すべての申請が届き保存期間が過ぎると、個人情報は消去されます。"
_KEEP_EN = (
    "The data is given to no one but those organisations. Once every application has arrived "
    "and the retention time has passed, the personal data is erased."
)

CALL_SCRIPT_2026_12 = ConsentText(
    version="call-script/2026-12",
    ja=(
        "これから、お客様の引越しの手続きを、お客様に代わって当センターのオペレーターが "
        "hikkoshi（引越し手続きワンストップポータル）に入力します。",
        _DATA_JA,
        _FLOW_JA.replace("お渡しします", "郵送します"),
        _KEEP_JA,
        "このように入力し送ることに、同意していただけますか。",
    ),
    en=(
        "I will now enter the procedures of your move into hikkoshi, the one-stop moving portal, for you.",
        _DATA_EN,
        _FLOW_EN.replace("you get the filled-in form", "we mail you the filled-in form"),
        _KEEP_EN,
        "Do you agree that we enter and send your data this way?",
    ),
)

AGENCY_CONSENT_2026_12 = ConsentText(
    version="agency-consent/2026-12",
    ja=(
        "私は、{agency}（{store}）の担当者が、私に代わって引越しの手続きを hikkoshi（引越し手続き"
        "ワンストップポータル）に入力し、申請することに同意します。",
        _DATA_JA.replace("お伺いするのは", "入力するのは"),
        _FLOW_JA,
        _KEEP_JA,
    ),
    en=(
        "I agree that the staff of {agency} ({store}) enter the procedures of my move into hikkoshi, "
        "the one-stop moving portal, and submit them for me.",
        _DATA_EN.replace("We will ask for", "They will enter"),
        _FLOW_EN,
        _KEEP_EN,
    ),
)


def _with_foreign(text: ConsentText, version: str, *, agency: bool = False) -> ConsentText:
    """``text`` with the foreign residents' data named after the data paragraph (index 1)."""
    ja = (
        _FOREIGN_JA.replace("の方には", "の方については").replace("お伺いします", "入力します")
        if agency
        else _FOREIGN_JA
    )
    en = _FOREIGN_EN.replace("we will also ask", "they will also enter") if agency else _FOREIGN_EN
    return ConsentText(version, (*text.ja[:2], ja, *text.ja[2:]), (*text.en[:2], en, *text.en[2:]))


# The texts in use: consents are recorded with these versions from now on.
CALL_SCRIPT = _with_foreign(CALL_SCRIPT_2026_12, "call-script/2026-12-foreign")
AGENCY_CONSENT = _with_foreign(AGENCY_CONSENT_2026_12, "agency-consent/2026-12-foreign", agency=True)
# Replaced texts, kept for the consents recorded under them.
EARLIER = (CALL_SCRIPT_2026_12, AGENCY_CONSENT_2026_12)
TEXTS = {t.version: t for t in (CALL_SCRIPT, AGENCY_CONSENT, *EARLIER)}


def text_of(version: str) -> ConsentText | None:
    """The words of a recorded consent's version (``AssistedMove.consent_version``); None if unknown.
    An agency text still has its ``{agency}`` and ``{store}`` to fill in."""
    return TEXTS.get(version)
