"""What the pages of a move share: the part of the site a request is in, the move it may see,
URLs in that part, the audit log, the error summary, and the notes beside the procedures.

The views of ``moves.views`` are served under three URL namespaces of the application namespace
``moves`` (``NAMESPACES``); every URL a view makes stays in the part it was asked from
(``page_url``), and a move is found only in the part it belongs to (``own_move``: a 404 for
anyone else).
"""

from django.http import Http404
from django.urls import reverse

from hikkoshi.audit.services import record
from hikkoshi.catalogue.constants import MYNAPORTAL_MOVE_OUT_URL
from hikkoshi.catalogue.selectors import utility_contacts
from hikkoshi.places.move_kind import MoveKind

from ..access import AGENCY, CALL_CENTRE, OWN, ROLES, move_visible_to
from ..models import Move

# The URL namespaces these views are served under, and the part of the site each one is.
NAMESPACES = {"moves": OWN, "agency-moves": AGENCY, "callcentre-moves": CALL_CENTRE}
# The page listing the moves of each part.
LISTS = {OWN: "moves:list", AGENCY: "agency:home", CALL_CENTRE: "callcentre:home"}


def _namespace(request) -> str:
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match is not None else ""
    return namespace if namespace in NAMESPACES else "moves"


def _area(request) -> str:
    return NAMESPACES[_namespace(request)]


def page_url(request, name: str, move=None, anchor: str = "") -> str:
    """The URL of one of these views in the part of the site the request is in."""
    kwargs = {"public_id": move.public_id} if move is not None else {}
    url = reverse(f"moves:{name}", kwargs=kwargs, current_app=_namespace(request))
    return f"{url}#{anchor}" if anchor else url


def list_url(request) -> str:
    return reverse(LISTS[_area(request)])


def own_move(request, public_id) -> Move:
    """The move if the signed-in user may see it in this part of the site, else a 404."""
    area = _area(request)
    move = move_visible_to(request.user, public_id, area=area)
    if move is None:
        raise Http404
    request.user.hikkoshi_acting_as = ROLES[area]  # the audit log's role
    return move


def audit(request, action: str, move, target: str = "") -> None:
    record(request, action=action, move=move, target=target)


def error_summary(groups) -> list[dict]:
    """The error summary: each error a link to its field (or to its group)."""
    items = []
    for form, anchor, label in groups:
        for message in form.non_field_errors():
            items.append({"href": f"#{anchor}", "label": label, "message": message})
        for bound in form:
            for message in bound.errors:
                text = f"{label} — {bound.label}" if label else bound.label
                items.append({"href": f"#{bound.auto_id}", "label": text, "message": message})
    return items


def move_notes(places) -> dict:
    """What the procedures step, the review page and the result page tell beside the procedures:
    whom to contact about the utilities at an end outside this portal's region, and that a
    転出届 can also be made online (マイナポータル)."""
    return {
        "utility_ends": utility_contacts(assessment=places.assessment, old=places.old, new=places.new),
        # A 転出 happens whenever the move leaves a municipality, also where this portal does not
        # handle it (Tokyo → Sapporo: the 転出届 is Tokyo's, and can be made online all the same).
        "moving_out": not places.assessment.within_municipality,
        "move_out_here": MoveKind.MOVE_OUT in places.kinds,
        "move_out_place": places.old.prefecture + places.old.municipality,
        "mynaportal_url": MYNAPORTAL_MOVE_OUT_URL,
    }
