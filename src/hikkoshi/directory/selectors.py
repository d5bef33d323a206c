"""Reads of the directory: the provider search (事業者情報検索)."""

from dataclasses import dataclass

from hikkoshi.places.municipalities import municipality_code as registration_code_of

from .constants import OFFICE_CATEGORIES, Category
from .models import Contact, Organisation, ServiceArea


@dataclass(frozen=True)
class OrganisationMatch:
    """An organisation that serves a place; ``partial`` when it serves only some postal codes
    of the municipality and the place was given without one."""

    organisation: Organisation
    partial: bool = False


def organisations_for_place(
    *, municipality_code: str, postcode: str = "", category: str | None = None
) -> list[OrganisationMatch]:
    """Organisations serving a place, offices first, then by category and name.

    Two queries whatever the size of the directory: the matching service areas with their
    organisations, then those organisations' contacts.
    """
    registration = registration_code_of(municipality_code)
    codes = {municipality_code, registration, municipality_code[:2], ""}
    areas = ServiceArea.objects.filter(area_code__in=codes).select_related("organisation")
    if category:
        areas = areas.filter(organisation__category=category)
    found: dict[int, OrganisationMatch] = {}
    for area in areas:
        org = area.organisation
        if area.postcode_from and not postcode:
            # Without a postal code we cannot tell; show it, marked as serving part of the area.
            if area.area_code and org.pk not in found:
                found[org.pk] = OrganisationMatch(org, partial=True)
            continue
        if area.covers(municipality_code, registration, postcode):
            found[org.pk] = OrganisationMatch(org)
    contacts: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(organisation_id__in=found.keys()):
        contacts.setdefault(contact.organisation_id, []).append(contact)
    order = {c: i for i, c in enumerate(Category.values)}
    for match in found.values():
        match.organisation.contact_list = contacts.get(match.organisation.pk, [])
    return sorted(
        found.values(),
        key=lambda m: (order.get(m.organisation.category, 99), m.organisation.slug),
    )


def offices_in(area_codes: tuple[str, ...]) -> list[Organisation]:
    """City hall and ward offices whose service areas lie in the given areas (市役所・区役所)."""
    qs = (
        Organisation.objects.filter(category__in=OFFICE_CATEGORIES)
        .prefetch_related("contacts", "areas")
        .order_by("category", "slug")
    )
    result = []
    for org in qs:
        if any(
            a.area_code and any(
                a.area_code.startswith(code) or registration_code_of(a.area_code) == code
                for code in area_codes
            )
            for a in org.areas.all()
        ):
            org.contact_list = list(org.contacts.all())
            result.append(org)
    return result
