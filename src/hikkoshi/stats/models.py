"""Counts of events (利用統計) per day and per hour: no personal data, by construction.

A row is keyed by the event's name, its dimensions — short codes and slugs only (``DIMENSIONS``;
``counting`` refuses any other value) — and ``simulated`` (rows made by ``stats_simulate``).
``key`` is the dimensions as one canonical string, so one unique constraint covers them all.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CountBase(models.Model):
    event = models.CharField(_("event"), max_length=40)
    key = models.CharField(max_length=400, editable=False)  # the dimensions, "name=value;…", sorted
    category = models.CharField(_("category"), max_length=40, blank=True, default="")
    region = models.CharField(_("municipality code"), max_length=6, blank=True, default="")
    source = models.CharField(_("source"), max_length=40, blank=True, default="")  # local, partner:<slug>
    kind = models.CharField(_("kind"), max_length=80, blank=True, default="")  # move kinds, document kind
    entered_by = models.CharField(_("entered by"), max_length=12, blank=True, default="")  # mover, callcentre, agency
    store = models.CharField(_("store"), max_length=20, blank=True, default="")  # a store's id
    organisation = models.CharField(_("organisation"), max_length=121, blank=True, default="")  # a slug
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=60, blank=True, default="")
    simulated = models.BooleanField(_("simulated"), default=False)
    count = models.BigIntegerField(_("count"), default=0)

    class Meta:
        abstract = True


class DailyCount(CountBase):
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(fields=["day", "event", "key", "simulated"], name="stats_daily_once"),
        ]
        indexes = [models.Index(fields=["event", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.event} {self.key}: {self.count}"


class HourlyCount(CountBase):
    hour = models.DateTimeField(_("hour"))  # its start; kept for today and yesterday only

    class Meta:
        verbose_name = _("hourly count")
        verbose_name_plural = _("hourly counts")
        constraints = [
            models.UniqueConstraint(fields=["hour", "event", "key", "simulated"], name="stats_hourly_once"),
        ]

    def __str__(self) -> str:
        return f"{self.hour} {self.event} {self.key}: {self.count}"


class SurveyAnswer(models.Model):
    """One answer to the satisfaction survey (満足度アンケート) after submitting a move: a level from
    1 (unsatisfied) to 5 (satisfied) and an optional comment, the day it was given. No user and no
    move here: only ``SurveyLink`` (which the move holds) ties an answer to its move, so that the
    mover can change the answer and the answer can be erased with the move."""

    level = models.PositiveSmallIntegerField(_("satisfaction"))
    comment = models.TextField(_("comment"), max_length=500, blank=True, default="")
    day = models.DateField(_("day"))
    simulated = models.BooleanField(_("simulated"), default=False)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="stats_survey_level")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.level}"


class SurveyLink(models.Model):
    """Which move gave an answer: goes with the move (cascade); removed when the move's personal
    data are erased (the answer's comment is emptied then, its level stays as a count)."""

    move = models.OneToOneField("moves.Move", on_delete=models.CASCADE, related_name="+")
    answer = models.OneToOneField(SurveyAnswer, on_delete=models.CASCADE, related_name="link")

    class Meta:
        verbose_name = _("survey answer's move")
        verbose_name_plural = _("survey answers' moves")

    def __str__(self) -> str:
        return f"{self.move_id} → {self.answer_id}"
