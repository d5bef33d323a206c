"""``/answers/``: an organisation without a system (e-mail, fax) answers about an application
(処理状況) with the answer reference and code printed on its 申込書 or FAX送付状.

No account: the code is the proof, valid for that application only (``moves.answers``). Wrong
codes are rate-limited per address (``settings.HIKKOSHI_ANSWER_CODE_LIMIT``, allauth's rate
limiter in the shared cache, as the sign-in's): after that many failures the page answers 429
until the window has passed. The page shows nothing of the mover: the procedure's name, the
application number and the answers given so far.
"""

import uuid

from allauth.core.internal import ratelimit
from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..answers import MESSAGE_MAX, AnswerRefused, answer_code_check, answer_record, timeline
from ..constants import AnswerStatus
from ..models import ProcedureAnswer

ACTION = "answer_code_failed"
NO_MATCH = _("This answer reference and code do not match an application. Check both.")


class AnswerForm(forms.Form):
    reference = forms.CharField(
        label=_("Answer reference"),
        max_length=20,
        help_text=_("As printed on the application form or the fax cover sheet, e.g. K7P2X-9M4QD."),
        error_messages={"required": _("Enter the answer reference printed on the form.")},
    )
    code = forms.CharField(
        label=_("Answer code"),
        max_length=30,
        help_text=_("The 12 characters printed beside the reference, e.g. ABCD-EFGH-JKMN."),
        error_messages={"required": _("Enter the answer code printed on the form.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Status of the application"),
        choices=[("", _("Choose…")), *((value, AnswerStatus.for_organisation(value)) for value in AnswerStatus.values)],
        error_messages={"required": _("Choose the status of the application.")},
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required when something is missing (what the applicant is to do) or when it is not accepted (why)."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") in AnswerStatus.needs_message() and not (cleaned.get("message") or "").strip():
            self.add_error("message", _("Write what the applicant is to do, or why it is not accepted."))
        return cleaned


def _in_their_words(rows: list[dict]) -> list[dict]:
    """The timeline with each answer in the organisation's words, not the mover's."""
    statuses = set(AnswerStatus.values)
    return [
        {**row, "label": AnswerStatus.for_organisation(row["status"])} if row["status"] in statuses else row
        for row in rows
    ]


def _summary(form) -> list[dict]:
    items = [{"href": "", "label": "", "message": e} for e in form.non_field_errors()]
    for bound in form:
        for message in bound.errors:
            items.append({"href": f"#{bound.auto_id}", "label": bound.label, "message": message})
    return items


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def answer_page(request):
    config = {ACTION: settings.HIKKOSHI_ANSWER_CODE_LIMIT}
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if not ratelimit.consume(request, app="hikkoshi", action=ACTION, config=config, dry_run=True):
            return render(request, "moves/answer.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            entry = answer_code_check(form.cleaned_data["reference"], form.cleaned_data["code"])
            if entry is None:
                ratelimit.consume(request, app="hikkoshi", action=ACTION, config=config)
                form.add_error("code", NO_MATCH)
            else:
                try:
                    answer_record(
                        entry_id=entry.pk,
                        status=form.cleaned_data["status"],
                        message=form.cleaned_data["message"],
                        key=f"code:{uuid.uuid4()}",
                        source=ProcedureAnswer.Source.CODE,
                    )
                except AnswerRefused as refused:
                    if refused.code == "erased":  # since the code was checked: it is no more
                        form.add_error("code", NO_MATCH)
                    elif refused.code in ("backwards", "final"):
                        form.add_error(
                            "status",
                            _("This status cannot follow the one given before (%(previous)s).")
                            % {"previous": AnswerStatus.for_organisation(entry.answer_status)},
                        )
                    else:
                        form.add_error("message", _("Write what the applicant is to do, or why it is not accepted."))
                else:
                    entry.refresh_from_db()
                    return render(
                        request,
                        "moves/answer_done.html",
                        {"entry": entry, "number": entry.move.number, "timeline": _in_their_words(timeline(entry))},
                    )
        summary = _summary(form)
        return render(
            request,
            "moves/answer.html",
            {"form": form, "summary": summary, "focus_summary": bool(summary)},
            status=400,
        )
    form = AnswerForm(initial={"reference": request.GET.get("ref", "")[:20]})
    return render(request, "moves/answer.html", {"form": form})
