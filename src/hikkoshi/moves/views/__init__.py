"""The pages of a move (引越し申請), for ``moves.urls``.

- ``wizard``: my moves, starting one, one page per step, review and submit;
- ``result``: a submitted move's result page (申請結果) and documents, and deleting a move;
- ``changes``: after submitting — withdraw (取下げ), correct (訂正), mark a counter procedure
  filed, choose the day of the visit;
- ``shared``: what they share (the part of the site, the move a user may see, URLs, the audit
  log, the error summary).

Who sees a move is ``moves.access`` (404 for anyone else). The same views serve three parts of
the site (URL namespaces of the application namespace ``moves``, ``shared.NAMESPACES``): a
mover's own moves under ``/moves/`` (``moves``), and moves entered for customers (代行) under
``/agency/moves/`` (``agency-moves``) and ``/callcentre/moves/`` (``callcentre-moves``), which are
staff paths (second factor). A move is found only in the part it belongs to; every URL a view
makes stays in the part it was asked from. Views, prints, changes, submissions and deletions are
written to the audit log (``hikkoshi.audit``).
"""

from .changes import correct, filed, visit, withdraw
from .result import delete, detail, document
from .shared import NAMESPACES
from .wizard import details, move_list, move_start, people, places, procedures, review, submit

__all__ = [
    "NAMESPACES",
    "correct",
    "delete",
    "detail",
    "details",
    "document",
    "filed",
    "move_list",
    "move_start",
    "people",
    "places",
    "procedures",
    "review",
    "submit",
    "visit",
    "withdraw",
]
