"""Finding a move's events in the audit log by its application number (申請番号).

A row holds the move's public id, not its number; which move a number names is for the app that
gives the numbers (moves) to say. That app registers a finder here in its ``AppConfig.ready()``,
so the audit log, which ranks below it, never imports it.
"""

from collections.abc import Callable, Iterable

# A finder takes a number as shown (``K7P2X-9M4QD``) and gives the public ids of the moves with
# that number: a list, or a query of one column (``.values("public_id")``), used as a subquery.
MoveFinder = Callable[[str], Iterable]

_finders: list[MoveFinder] = []


def register_move_finder(finder: MoveFinder) -> MoveFinder:
    """Add ``finder`` (once, however often ``ready()`` runs); usable as a decorator."""
    if finder not in _finders:
        _finders.append(finder)
    return finder


def move_finders() -> tuple[MoveFinder, ...]:
    return tuple(_finders)
