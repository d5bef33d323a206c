"""What is kept after erasure: anonymous counts (匿名の集計) only."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MoveStatistic(models.Model):
    """How many erased moves and procedures there were, by month, region, kind, procedure,
    channel and final status — no move, person, address or date finer than the month.

    A row with an empty ``procedure`` counts moves (one per move); the others count the
    procedures of those moves (one per chosen procedure, with its channel and final status).
    Written only by ``privacy.services.erase_expired`` (an increment per erased move).
    """

    month = models.CharField(_("month of submission"), max_length=7)  # YYYY-MM, Japan time
    region = models.CharField(_("region"), max_length=20)
    kinds = models.CharField(_("kinds of move"), max_length=60)  # e.g. "relocation", "move_in+move_out"
    procedure = models.CharField(_("procedure"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    status = models.CharField(_("final status"), max_length=12, blank=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("move statistic")
        verbose_name_plural = _("move statistics")
        ordering = ["month", "region", "kinds", "procedure", "channel", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "kinds", "procedure", "channel", "status"], name="move_statistic_once"
            )
        ]

    def __str__(self):
        parts = [self.month, self.region, self.kinds, self.procedure or "moves", self.channel, self.status]
        return " ".join(p for p in parts if p) + f": {self.count}"
