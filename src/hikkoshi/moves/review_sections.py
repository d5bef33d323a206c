"""Sections that apps above moves add to the review page (確認画面) of a mover's own draft.

moves imports none of them (they rank above it): an app registers, in its ``AppConfig.ready()``,
a function that makes its section (``register_review_section``). The federation app offers there
to hand the move over to the partner portal serving the new address (ポータル間の引継ぎ), with
its own consent form. Each section is a template and its context; the review page includes it
after the parts of the move, outside the form that submits the application.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .forms import Places
from .models import Move


@dataclass(frozen=True)
class ReviewSection:
    """A section of the review page: ``template`` is included with ``section`` = ``context``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


# (request, the draft, its places as the wizard checked them: both ends, the kind of move) → a
# section, or None when the app has nothing to add.
ReviewSectionSource = Callable[[HttpRequest, Move, Places], ReviewSection | None]
_sources: list[ReviewSectionSource] = []


def register_review_section(source: ReviewSectionSource) -> None:
    """Add a section to the review page (once: a second ``ready()`` changes nothing)."""
    if source not in _sources:
        _sources.append(source)


def review_sections(request: HttpRequest, move: Move, places: Places | None) -> list[ReviewSection]:
    """The sections the registered apps add for a mover's own draft whose places are valid."""
    if places is None:
        return []
    sections = [source(request, move, places) for source in _sources]
    return [section for section in sections if section is not None]
