"""The plain data documents are rendered from (built by ``moves`` from a stored move)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from hikkoshi import channels


@dataclass(frozen=True)
class ForeignResident:
    """What the 住民異動届 asks of a foreign resident (外国人住民), ready to print (Japanese)."""

    category: str  # 法第30条の45の区分, in the law's words: 中長期在留者, 特別永住者, …
    nationality: str  # 国籍・地域
    card_number: str = ""  # 在留カード等の番号 (在留カード or 特別永住者証明書), e.g. AB12345678CD
    status: str = ""  # 在留資格
    period: str = ""  # 在留期間
    expiry: date | None = None  # 在留期間の満了の日


@dataclass(frozen=True)
class Person:
    """A person moving: the applicant (届出人) or a household member (異動者)."""

    name: str  # 氏名, kanji as typed
    name_kana: str  # フリガナ, full-width katakana
    birth_date: date | None  # None only once the move's personal data was erased
    # 続柄 to the 世帯主 of the household at the address the form is for (not to the person
    # filing): "世帯主" on the head's own row, e.g. "妻", "子" on the others.
    relationship: str = ""
    sex: str = ""  # 性別, optional: "" (not given), "male" or "female"
    foreign: ForeignResident | None = None  # 外国人住民: None for anyone else


@dataclass(frozen=True)
class Address:
    postcode: str  # seven digits
    address: str  # normalised full address, prefecture first
    municipality_code: str  # JIS X 0402, 5 digits (a ward's code for designated cities)
    municipality: str  # 札幌市中央区
    building: str = ""  # 方書: building and room, printed in the form's own box


@dataclass(frozen=True)
class Office:
    """Where to take a window procedure, from the directory."""

    name: str
    address: str = ""
    postcode: str = ""
    hours: str = ""
    phone: str = ""
    sample: bool = True  # data not verified from the office's own source


@dataclass(frozen=True)
class FieldValue:
    """One of a procedure's own fields as the mover filled it in."""

    name: str
    label: str  # in the document's language
    value: str  # formatted for print


@dataclass(frozen=True)
class TimelineEvent:
    """One step of a procedure after it was sent (処理状況): sent, or an organisation's answer,
    with its label (in the mover's language), when, the organisation's message and reference."""

    status: str
    label: str
    at: datetime
    message: str = ""
    reference: str = ""


@dataclass(frozen=True)
class ProcedureRecord:
    """One chosen procedure of a move (its ``MoveProcedure``) as its documents show it."""

    slug: str  # e.g. "sapporo-move-in"
    version: int
    name: str  # 転入届, in Japanese
    name_en: str
    organisation: str
    channel: str  # its channel's name (``hikkoshi.channels``): "web", "email", "fax", "window", …
    status: str  # "draft" | "submitted" | "queued" | "delivered" | "failed" | "in_person"
    status_label: str
    reference: str = ""  # the organisation's reference number, once known
    deadline_from: date | None = None
    deadline_to: date | None = None
    form: str = ""  # "" or the kind of official form: "juminido" (住民異動届)
    notification: str = ""  # for 住民異動届: "move_in" | "relocation" | "move_out"
    fields: tuple[FieldValue, ...] = ()
    what_to_bring: tuple[str, ...] = ()
    office: Office | None = None
    visit_on: date | None = None  # the day the mover chose to go to the counter (window procedures)
    # 処理状況: sent and the organisation's answers, oldest first (the mover's documents only).
    timeline: tuple[TimelineEvent, ...] = ()

    @property
    def in_person(self) -> bool:
        """Whether the mover takes it to the counter (窓口): its channel sends nothing."""
        return channels.in_person(self.channel)


@dataclass(frozen=True)
class MoveRecord:
    """A move as its documents show it."""

    id: str  # public id (UUID text)
    created_at: date
    submitted_at: date | None
    move_date: date
    kinds: tuple[str, ...]  # "relocation" / "move_out" / "move_in"
    applicant: Person
    phone: str
    email: str
    members: tuple[Person, ...]  # household members moving, the applicant excluded
    old_address: Address
    new_address: Address
    procedures: tuple[ProcedureRecord, ...] = field(default_factory=tuple)
    portal_name: str = "hikkoshi"
    # 世帯主: the name of the head of household at the new address — one of the movers, or
    # someone already living there. Empty for moves stored before it was asked.
    head_of_household: str = ""
    # 申請番号: the short application number read over the phone (the UUID stays internal).
    number: str = ""
