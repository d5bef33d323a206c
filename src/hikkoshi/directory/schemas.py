from datetime import date

from ninja import Schema

from hikkoshi.places.schemas import PlaceOut

from .selectors import OrganisationMatch


class ContactOut(Schema):
    kind: str
    value: str
    label: str
    sample: bool


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
    portal: str
    partial: bool

    @staticmethod
    def from_match(match: OrganisationMatch) -> "OrganisationOut":
        org = match.organisation
        return OrganisationOut(
            id=org.slug,
            category=org.category,
            category_label=str(org.get_category_display()),
            name=org.name,
            name_kana=org.name_kana,
            name_en=org.name_en,
            postcode=org.postcode,
            address=org.address,
            hours=org.hours,
            contacts=[
                ContactOut(kind=c.kind, value=c.value, label=c.label, sample=c.is_sample)
                for c in getattr(org, "contact_list", org.contacts.all())
            ],
            sample=org.is_sample,
            verification=org.verification,
            source=org.source,
            last_checked=org.last_checked,
            portal=org.portal,
            partial=match.partial,
        )


class OrganisationSearchOut(Schema):
    place: PlaceOut
    organisations: list[OrganisationOut]
