"""The hand-over on the review page (確認画面): when the new address lies where a partner portal
serves, the page shows that portal — its name, its privacy policy (link, hash, the date its
document was verified), exactly the items that would go with the mover's own values, and what it
handles there (its directory's organisations for the place) — and a consent form of its own,
never ticked beforehand, that posts to ``outgoing_views.offer``. Registered with
``moves.review_sections`` in ``FederationConfig.ready()``.
"""

from __future__ import annotations

from datetime import date
import secrets
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from hikkoshi.catalogue.constants import CommonItem
from hikkoshi.japanese import InputError, format_wareki
from hikkoshi.moves.common import MEMBER
from hikkoshi.moves.forms import Places
from hikkoshi.moves.models import Move
from hikkoshi.moves.review_sections import ReviewSection
from hikkoshi.places.normalise import InvalidPostcode, format_postcode, normalise_postcode

from . import dataset, handoffs
from .dataset import A, B
from .selectors import handled_there, peers_serving, portal_facts

# What a hand-over carries: every item of the common data set the move has (the destination's
# wizard opens with all of it filled in). ``dataset.to_data_set`` leaves out an e-mail address
# the move has none of; ``handoffs.plan_handoff`` what a portal behind an adapter has no field
# for, and the household members beyond the most its form takes.
# The foreign residents' data (在留カード等の番号 …, ``moves.foreign``) is not an item of the data
# set (version 1): it never goes to another portal; the mover gives it again there.
HANDOFF_ITEMS = dataset.ITEMS

# Why the consent form came back (``?handoff=<code>&portal=<slug>`` on the review page).
FORM_PROBLEMS = {"consent", "changed", "incomplete"}


def _date(value: str) -> str:
    try:
        day = date.fromisoformat(value)
        return f"{format_wareki(day)} ({day.isoformat()})"
    except (ValueError, InputError):
        return value


def _name(person: dict) -> str:
    name, kana = person.get("氏名", ""), person.get("氏名（カナ）", "")
    return f"{name}（{kana}）" if kana else name


def _address(address: dict) -> str:
    try:
        postcode = "〒" + format_postcode(normalise_postcode(address.get("郵便番号", "")))
    except InvalidPostcode:
        postcode = ""
    return f"{postcode} {address.get('連結表記', '')}".strip()


def _spec(name: str):
    """A field of the wizard's people step (its label and choices, as the wizard shows them)."""
    return next(spec for spec in MEMBER if spec.name == name)


def _sex(code: str) -> str:
    """ISO/IEC 5218 ``1`` / ``2`` as the wizard's 性別 field shows it."""
    value = dataset.SEX_OF_CODE.get(code)
    return next((str(choice.localised_label) for choice in _spec("sex").choices if choice.value == value), "")


def _member(person: dict) -> str:
    parts = [_name(person)]
    if person.get("生年月日"):
        parts.append(_date(person["生年月日"]))
    if person.get("続柄"):
        parts.append(f"{_spec('relationship').localised_label}: {person['続柄']}")
    if sex := _sex(person.get("性別", "")):
        parts.append(f"{_spec('sex').localised_label}: {sex}")
    return " — ".join(parts)


def item_rows(document: dict) -> list[dict[str, Any]]:
    """Each item of a data set, in the order of ``CommonItem``: its label and the values that go."""
    labels = dict(CommonItem.choices)
    basic = document.get(A, {})
    content = document.get(B, {}).get("内容", {})
    applicant, contact = basic.get("申請者", {}), basic.get("連絡先", {})
    values: dict[str, list[str]] = {
        CommonItem.APPLICANT_NAME: [_name(applicant)],
        CommonItem.APPLICANT_BIRTH_DATE: [_date(applicant.get("生年月日", ""))],
        CommonItem.APPLICANT_PHONE: [contact.get("連絡先電話番号", "")],
        CommonItem.APPLICANT_EMAIL: [contact.get("連絡先メールアドレス", "")],
        CommonItem.OLD_ADDRESS: [_address(content.get("旧住所", {}))],
        CommonItem.NEW_ADDRESS: [_address(content.get("新住所", {}))],
        CommonItem.MOVE_DATE: [_date(content.get("異動日", ""))],
    }
    head = content.get("世帯主", {}).get("氏名", "")
    household = [f"{_('Head of household (世帯主) at the new address')}: {head}"] if head else []
    # The applicant's own 続柄 (世帯主 when they are the head) and 性別, which go with the household
    # (their date of birth is an item of its own).
    own = {key: value for key, value in applicant.items() if key != "生年月日"}
    if own.get("続柄") or _sex(own.get("性別", "")):
        household.append(_member(own))
    household += [_member(m) for m in content.get("世帯員", [])]
    values[CommonItem.MEMBERS] = household or [_("Nobody else moves with you.")]
    return [
        {"item": item, "label": str(labels[item]), "values": [v for v in values[item] if v]}
        for item in document.get("提供項目", [])
        if item in labels
    ]


def handoff_section(request: HttpRequest, move: Move, places: Places) -> ReviewSection | None:
    """The section of the review page, or None where no partner portal serves the new address."""
    peers = peers_serving(places.new.municipality_code)
    if not peers:
        return None
    labels = dict(CommonItem.choices)
    incomplete = False
    problem = request.GET.get("handoff", "")
    problem_portal = request.GET.get("portal", "")
    offers = []
    for peer in peers:
        try:
            # Exactly what goes to this portal: a portal behind an adapter may take less.
            plan: handoffs.HandoffPlan | None = handoffs.plan_handoff(move, peer, HANDOFF_ITEMS)
        except (dataset.DataSetInvalid, ValueError):
            plan, incomplete = None, True  # the draft has problems: the page lists them above
        offers.append(
            {
                "rows": item_rows(plan.document) if plan else [],
                "items": plan.items if plan else [],
                "not_sent": [str(labels[item]) for item in plan.not_sent if item in labels] if plan else [],
                "left_out": [_member(member) for member in plan.left_out] if plan else [],
                "limit": plan.limit if plan else 0,
                "portal": portal_facts(peer),
                "handled": handled_there(
                    peer, municipality_code=places.new.municipality_code, postcode=places.new.postcode
                ),
                "action": reverse("handoffs:offer", kwargs={"public_id": move.public_id, "peer": peer.slug}),
                "problem": problem if problem in FORM_PROBLEMS and problem_portal == peer.slug else "",
            }
        )
    return ReviewSection(
        "federation/review_handoff.html",
        {
            "offers": offers,
            "incomplete": incomplete,
            # The form's own key: sent twice (a double click, a reload), it hands the move over once.
            "request_key": secrets.token_urlsafe(24),
            "place": places.new.prefecture + places.new.municipality,
            "list_url": reverse("handoffs:list"),
        },
    )
