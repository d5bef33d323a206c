"""API shapes of the directory.

The schemas document the API (OpenAPI) and are what the tests validate answers against. The
search builds its answer as plain dicts instead of instantiating them: it is the hottest path of
the portal, and each organisation's part is rendered once per language per directory revision
(see ``selectors.directory_snapshot``, kept in a bounded memo), not once per request.
"""

from datetime import date, datetime
import json

from django.conf import settings
from django.utils.translation import get_language
from ninja import Schema

from hikkoshi.places.schemas import PlaceOut

from .models import Organisation
from .selectors import organisations_by_id


class ContactOut(Schema):
    kind: str
    value: str
    label: str
    sample: bool


class PortalOut(Schema):
    """The portal an entry comes from: this one (``copied_at`` null), or a partner portal whose
    directory was copied here at ``copied_at``."""

    id: str
    name: str
    copied_at: datetime | None


class OrganisationOut(Schema):
    id: str
    category: str
    category_label: str
    name: str
    name_kana: str
    name_en: str
    postcode: str
    address: str
    hours: str
    contacts: list[ContactOut]
    sample: bool
    verification: str
    source: str
    last_checked: date | None
    portal: str  # "local" (this portal's own entry) or the partner portal's id, as before federation
    origin: PortalOut  # the portal it comes from, named, with the date of the copy
    partial: bool


class OrganisationSearchOut(Schema):
    place: PlaceOut
    organisations: list[OrganisationOut]


def this_portal() -> dict:
    """This portal as ``PortalOut``, its name in the active language."""
    region = settings.HIKKOSHI_REGIONS.get(settings.HIKKOSHI_REGION, {})
    name = settings.HIKKOSHI_PORTAL_NAME or region.get("name") or settings.HIKKOSHI_PORTAL_ID
    return {"id": settings.HIKKOSHI_PORTAL_ID, "name": str(name), "copied_at": None}


def portal_payload(org: Organisation) -> dict:
    """The portal of an organisation as ``PortalOut`` (``portal_copy`` set by the selectors)."""
    copy = getattr(org, "portal_copy", None)
    if copy is None:
        return this_portal()
    return {"id": copy.portal, "name": copy.name or copy.portal, "copied_at": copy.copied_at.isoformat()}


def organisation_payload(org: Organisation) -> dict:
    """An organisation as ``OrganisationOut`` (without ``partial``), in the active language."""
    contacts = org.contact_list if hasattr(org, "contact_list") else org.contacts.all()
    return {
        "id": org.slug,
        "category": org.category,
        "category_label": str(org.get_category_display()),
        "name": org.name,
        "name_kana": org.name_kana,
        "name_en": org.name_en,
        "postcode": org.postcode,
        "address": org.address,
        "hours": org.hours,
        "contacts": [{"kind": c.kind, "value": c.value, "label": c.label, "sample": c.is_sample} for c in contacts],
        "sample": org.is_sample,
        "verification": org.verification,
        "source": org.source,
        "last_checked": org.last_checked.isoformat() if org.last_checked else None,
        "portal": org.portal,
        "origin": portal_payload(org),
    }


def rendered_organisation(org: Organisation, partial: bool, cache) -> str:
    """An organisation as ``OrganisationOut`` JSON text, memoised in ``cache`` (the snapshot's)
    per language and ``partial``."""
    key = (org.pk, get_language(), partial)
    text = cache.get(key)
    if text is None:
        text = json.dumps({**organisation_payload(org), "partial": partial}, ensure_ascii=False, separators=(",", ":"))
        cache[key] = text
    return text


def rendered_matches(ids: tuple[tuple[int, bool], ...], snapshot) -> str:
    """The JSON text of a search's matches (``selectors.match_ids``): each organisation's part
    memoised per language in the snapshot's bounded memo (joining them costs next to nothing,
    and a memo of whole answers would hold each organisation's text once per place); the
    organisations not memoised are read in one query."""
    language = get_language()
    cache = snapshot.rendered_organisations
    parts = [cache.get((pk, language, partial)) for pk, partial in ids]
    if None in parts:
        missing = [pk for (pk, _), part in zip(ids, parts) if part is None]
        orgs = organisations_by_id(missing, snapshot=snapshot)
        parts = [
            part if part is not None else rendered_organisation(orgs[pk], partial, cache) if pk in orgs else None
            for (pk, partial), part in zip(ids, parts)
        ]
        parts = [part for part in parts if part is not None]  # deleted since the index was built
    return "[" + ",".join(parts) + "]"
