"""The kind of a move (異動の種類) under the Basic Resident Registration Act.

- 転居 (relocation): old and new address in the same municipality. Two wards of one designated
  city count as one municipality: 札幌市中央区 → 札幌市北区 is a 転居, not 転出 + 転入.
- 転出 (move-out) at the old municipality and 転入 (move-in) at the new one otherwise.

A portal handles the procedures of the ends that lie in its own region.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .municipalities import municipality_code
from .regions import Region, get_region


class MoveKind(models.TextChoices):
    RELOCATION = "relocation", _("Relocation within the municipality (転居)")
    MOVE_OUT = "move_out", _("Moving out of the municipality (転出)")
    MOVE_IN = "move_in", _("Moving into the municipality (転入)")


@dataclass(frozen=True)
class MoveAssessment:
    """What a move from one place to another means for this portal."""

    old_code: str
    new_code: str
    within_municipality: bool
    old_in_region: bool
    new_in_region: bool

    @property
    def kinds(self) -> list[MoveKind]:
        """The kinds of notification this portal's region handles for the move (may be empty)."""
        if self.within_municipality:
            return [MoveKind.RELOCATION] if self.new_in_region else []
        kinds = []
        if self.old_in_region:
            kinds.append(MoveKind.MOVE_OUT)
        if self.new_in_region:
            kinds.append(MoveKind.MOVE_IN)
        return kinds

    @property
    def in_region(self) -> bool:
        return self.old_in_region or self.new_in_region


def assess_move(old_code: str, new_code: str, region: Region | None = None) -> MoveAssessment:
    """Assess a move between two municipality (or ward) codes.

    >>> assess_move("01101", "01102").kinds  # 札幌市中央区 → 札幌市北区
    [MoveKind.RELOCATION]
    """
    region = region or get_region()
    return MoveAssessment(
        old_code=old_code,
        new_code=new_code,
        within_municipality=municipality_code(old_code) == municipality_code(new_code),
        old_in_region=region.contains(old_code),
        new_in_region=region.contains(new_code),
    )
