"""The satisfaction survey (満足度アンケート): one question after submitting a move, five levels and
an optional comment, no personal data asked. One answer per move (answering again changes it).

The answer (``SurveyAnswer``) holds no user and no move; ``SurveyLink`` — which goes with the
move — ties the two. When the move's personal data are erased after the retention time
(``moves.signals.move_erased``) the comment is emptied and the link removed: the level stays, as
an anonymous count. When the move is deleted (``moves_deleting``) its answer goes with it.
"""

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.moves.constants import MoveStatus
from hikkoshi.moves.models import Move

from .models import SurveyAnswer, SurveyLink

COMMENT_MAX = 500
LEVELS = [
    (5, _("5 — very satisfied")),
    (4, _("4 — satisfied")),
    (3, _("3 — neither")),
    (2, _("2 — unsatisfied")),
    (1, _("1 — very unsatisfied")),
]


class SurveyForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("How satisfied are you with this portal?"),
        choices=LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Satisfaction: choose one of the five levels."),
            "invalid_choice": _("Satisfaction: choose one of the five levels."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
        help_text=_("At most 500 characters. Please do not write your name, address or other personal data."),
    )

    def clean_comment(self) -> str:
        comment = self.cleaned_data.get("comment", "")
        if len(comment) > COMMENT_MAX:
            raise forms.ValidationError(
                _("Comment: at most %(max)d characters (this one has %(n)d)."),
                params={"max": COMMENT_MAX, "n": len(comment)},
            )
        return comment


def may_answer(move: Move) -> bool:
    return move.status == MoveStatus.SUBMITTED and move.erased_at is None


def answer_of(move: Move) -> SurveyAnswer | None:
    link = SurveyLink.objects.filter(move=move).select_related("answer").first()
    return link.answer if link is not None else None


def survey_answer(move: Move, *, level: int, comment: str) -> SurveyAnswer:
    """Store the answer of a submitted move, or change its earlier one."""
    with transaction.atomic():
        Move.objects.select_for_update().only("pk").get(pk=move.pk)  # one answer, even for two clicks
        answer = answer_of(move)
        if answer is None:
            answer = SurveyAnswer.objects.create(level=level, comment=comment, day=timezone.localdate())
            SurveyLink.objects.create(move=move, answer=answer)
        else:
            answer.level, answer.comment, answer.day = level, comment, timezone.localdate()
            answer.save(update_fields=["level", "comment", "day"])
    return answer


def survey_erase(*, move_id: int) -> None:
    """The move's personal data are erased: the comment goes, and the link to the move."""
    answers = SurveyAnswer.objects.filter(link__move_id=move_id)
    answers.update(comment="")
    SurveyLink.objects.filter(move_id=move_id).delete()


def surveys_delete(*, move_ids) -> None:
    """The moves are deleted: their answers go with them."""
    SurveyAnswer.objects.filter(link__move_id__in=list(move_ids)).delete()
