"""Which data goes where (データの提供先): what the mover agrees to before a move is submitted.

Every procedure sent by the portal (web, e-mail, fax) hands its organisation the same common
data — the applicant (氏名, フリガナ, 生年月日, 電話番号, メールアドレス), the household members
moving (氏名, フリガナ, 生年月日, 続柄), the old and new address with 方書, the moving day and
the kinds of move — and that procedure's own fields (``delivery.services.application_data``,
``documents.application``). A window procedure (窓口) sends nothing: the mover takes the
pre-filled form, which carries the same data, to the office.

``data_flows`` lists it per organisation for the review page; ``catalogue_flows`` for every
procedure of the catalogue, for the consent sheet (同意書) and the customer's phone, before the
move is entered. ``DATA_SHARING_VERSION`` names the text the mover agrees to and is stored with
the move; change it whenever what this module says changes.
"""

from django.utils.translation import gettext as _, gettext_lazy

from hikkoshi.catalogue.constants import Channel, Office
from hikkoshi.catalogue.selectors import office_for

from .common import ADDRESS, APPLICANT, MEMBER
from .selectors import CHANNEL_LABELS

DATA_SHARING_VERSION = "data-sharing/2026-12"

# The common data, as the review page names it (labels of the common fields).
COMMON_GROUPS = (
    (gettext_lazy("The applicant"), APPLICANT),
    (gettext_lazy("Each household member moving"), MEMBER),
    (gettext_lazy("The old and the new address"), ADDRESS),
)

# The same, in Japanese, for the printed consent sheet.
COMMON_DATA_JA = ("申請者の氏名・フリガナ・生年月日・電話番号・メールアドレス",
                  "一緒に引っ越す人の氏名・フリガナ・生年月日・続柄",
                  "旧住所・新住所（方書を含む）、引越し日、異動の種類")


def common_data() -> list[dict]:
    """The common data every organisation receives, by group, with the fields' labels."""
    groups = [{"title": str(title), "fields": [spec.localised_label for spec in specs]}
              for title, specs in COMMON_GROUPS]
    groups.append({"title": _("The move"), "fields": [_("Moving day"), _("Kind of move")]})
    return groups


def _fields(applicable) -> list[str]:
    return [spec.localised_label for spec in applicable.version.schema if spec.applies_to(applicable.kinds)]


def data_flows(chosen, places=None) -> list[dict]:
    """Per organisation (in the order of the procedures): each chosen procedure with its
    channel, whether the portal sends it, and the labels of its own fields.

    ``chosen``: ``catalogue.selectors.Applicable`` of the move; ``places`` (the move's ``Places``)
    names the office a window procedure is taken to.
    """
    by_organisation: dict[str, dict] = {}
    for a in chosen:
        definition = a.version.definition
        channel = definition["channel"]
        window = channel == Channel.WINDOW
        office = (office_for(definition, old=places.old, new=places.new)
                  if places is not None and window else None)
        name = office.name if office else a.procedure.organisation.name
        group = by_organisation.setdefault(name, {"organisation": name, "procedures": []})
        group["procedures"].append({
            "slug": a.slug, "name": a.version.localised_name, "channel": CHANNEL_LABELS.get(channel, channel),
            "sent": not window, "fields": _fields(a),
        })
    return list(by_organisation.values())


def catalogue_flows() -> list[dict]:
    """Every active procedure of the catalogue: its organisation (for a window procedure, the
    office of the mover's address), channel, whether it is sent, its own fields (Japanese
    labels: for the printed consent sheet and the customer's consent page)."""
    from hikkoshi.catalogue.models import Procedure

    rows = []
    for procedure in Procedure.objects.filter(active=True).select_related("organisation").order_by("pk"):
        version = procedure.current_version
        definition = version.definition
        channel = definition["channel"]
        window = channel == Channel.WINDOW
        office = window and definition.get("office") != Office.ORGANISATION
        rows.append({
            "slug": procedure.slug, "name": definition["name"], "name_en": definition.get("name_en", ""),
            "organisation": "お住まいの区役所・市役所" if office else procedure.organisation.name,
            "organisation_en": "the ward or city office of your address" if office else procedure.organisation.name,
            "channel": CHANNEL_LABELS.get(channel, channel), "sent": not window,
            "fields": [spec.label for spec in version.schema],
            "fields_en": [spec.label_en or spec.label for spec in version.schema],
        })
    return rows
