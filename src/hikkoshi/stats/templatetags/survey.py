"""``{% load survey %}{% survey_form move %}``: the satisfaction survey on a move's result page
(the moves app's template loads it by name; moves imports nothing of this app)."""

from django import template

from ..survey import SurveyForm, answer_of, may_answer

register = template.Library()


@register.inclusion_tag("stats/includes/survey_form.html", takes_context=True)
def survey_form(context, move) -> dict:
    if move is None or not may_answer(move):
        return {"move": None}
    answer = answer_of(move)
    form = SurveyForm(initial={"level": answer.level, "comment": answer.comment} if answer else None)
    return {"move": move, "form": form, "answered": answer is not None, "csrf_token": context.get("csrf_token")}
