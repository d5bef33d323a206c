"""Which data goes where (データの提供先): what the mover agrees to before a move is submitted.

Each procedure declares which common items its organisation receives (``Procedure.shares``:
the applicant's name and kana, date of birth, phone, e-mail; the household members moving; the
old address, the new address; the moving day — ``catalogue.constants.CommonItem``). A procedure
sent by the portal (web, e-mail, fax) hands its organisation exactly those and its own fields
(``delivery.services.application_data``, ``shared_record``, the 申込書); a newspaper gets no
child's date of birth. A window procedure (窓口) sends nothing: the mover takes the pre-filled
form to the office.

``data_flows`` lists it per organisation for the review page, where the mover agrees per
organisation (an organisation left unticked gets nothing: its procedures are not sent and are
recorded as ``withheld``); ``catalogue_flows`` for every procedure of the catalogue, for the
consent sheet (同意書) and the customer's phone, before the move is entered.
``DATA_SHARING_VERSION`` names the text the mover agrees to and is stored with the move; change
it whenever what this module says changes.
"""

from django.utils.translation import override

from hikkoshi import channels
from hikkoshi.catalogue.constants import CommonItem, Office
from hikkoshi.catalogue.models import shared_items
from hikkoshi.catalogue.selectors import office_for

from .selectors import channel_label

DATA_SHARING_VERSION = "data-sharing/2026-12-per-organisation"


def item_labels(definition: dict) -> list[str]:
    """The common items a procedure's organisation receives, as the active language names them."""
    return [str(CommonItem(item).label) for item in shared_items(definition) if item in CommonItem.values]


def _fields(applicable) -> list[str]:
    return [spec.localised_label for spec in applicable.version.schema if spec.applies_to(applicable.kinds)]


def data_flows(chosen, places=None, withheld=()) -> list[dict]:
    """Per organisation (in the order of the procedures): its identifier, whether the portal
    sends it anything, whether the mover agrees (not in ``withheld``), and each chosen
    procedure with its channel, the common items it receives and the labels of its own fields.

    ``chosen``: ``catalogue.selectors.Applicable`` of the move; ``places`` (the move's ``Places``)
    names the office a window procedure is taken to.
    """
    by_organisation: dict[str, dict] = {}
    for a in chosen:
        definition = a.version.definition
        channel = definition["channel"]
        window = channels.in_person(channel)
        office = office_for(definition, old=places.old, new=places.new) if places is not None and window else None
        organisation = office or a.procedure.organisation
        group = by_organisation.setdefault(
            organisation.slug,
            {
                "slug": organisation.slug,
                "organisation": organisation.name,
                "procedures": [],
                "sent": False,
                "agreed": organisation.slug not in withheld,
            },
        )
        group["sent"] = group["sent"] or not window
        group["procedures"].append(
            {
                "slug": a.slug,
                "name": a.version.localised_name,
                "channel": channel_label(channel),
                "sent": not window,
                "items": item_labels(definition),
                "fields": _fields(a),
            }
        )
    return list(by_organisation.values())


def catalogue_flows() -> list[dict]:
    """Every active procedure of the catalogue: its organisation (for a window procedure, the
    office of the mover's address), channel, whether it is sent, the common items it receives
    and its own fields (Japanese and English labels: for the printed consent sheet and the
    customer's consent page)."""
    from hikkoshi.catalogue.models import Procedure

    rows = []
    for procedure in Procedure.objects.filter(active=True).select_related("organisation").order_by("pk"):
        version = procedure.current_version
        definition = version.definition
        channel = definition["channel"]
        window = channels.in_person(channel)
        office = window and definition.get("office") != Office.ORGANISATION
        with override("ja"):
            items = item_labels(definition)
        with override("en"):
            items_en = item_labels(definition)
        rows.append(
            {
                "slug": procedure.slug,
                "name": definition["name"],
                "name_en": definition.get("name_en", ""),
                "organisation": "お住まいの区役所・市役所" if office else procedure.organisation.name,
                "organisation_en": "the ward or city office of your address" if office else procedure.organisation.name,
                "channel": channel_label(channel),
                "sent": not window,
                "items": items,
                "items_en": items_en,
                "fields": [spec.label for spec in version.schema],
                "fields_en": [spec.label_en or spec.label for spec in version.schema],
            }
        )
    return rows
