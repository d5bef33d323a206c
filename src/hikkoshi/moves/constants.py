from django.db import models
from django.utils.translation import gettext_lazy as _


class MoveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ProcedureStatus(models.TextChoices):
    """Where one procedure of a move (``MoveProcedure.status``) stands: the life cycle of its
    delivery (申請の送付状況).

    queued → sending → delivered, or → retrying → sending … → delivered / failed; a window
    procedure is in_person from the start. Staff may mark a failed one handled; the mover may
    withdraw one not yet sent (withdrawn). The delivery
    app moves it on, through ``moves.lifecycle.procedure_status_record`` only; the mover sees it on the
    result page and in 申請結果. The status a procedure starts with is ``moves.services.initial_status``.
    """

    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Not yet reached; sent again automatically")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Could not be delivered; our staff are looking into it")
    IN_PERSON = "in_person", _("To be taken to the counter in person")
    HANDLED = "handled", _("Handled by our staff")
    # 取下げ: the mover withdrew it before it was sent (nothing was sent), or a window procedure
    # the mover is no longer to file. (One already delivered stays "delivered": its withdrawal
    # is a notice of its own: ``NoticeKind.WITHDRAWAL``.)
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def final(cls) -> set[str]:
        """The statuses after which nothing more happens by itself."""
        return {cls.DELIVERED, cls.FAILED, cls.IN_PERSON, cls.HANDLED, cls.WITHDRAWN}


class NoticeKind(models.TextChoices):
    """What a mover's change of a submitted application is: a withdrawal (取下げ) or a correction
    (訂正). The app that tells the organisations (the delivery app: ``Notice``) keeps them;
    moves shows them (``moves.notices``)."""

    WITHDRAWAL = "withdrawal", _("Withdrawal")
    CORRECTION = "correction", _("Correction")


class NoticeStatus(models.TextChoices):
    """Where a withdrawal or correction stands on its way to the organisation."""

    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Not yet reached; sent again automatically")
    DELIVERED = "delivered", _("Delivered")
    # The organisation's answer: it processed the application already (HTTP 409).
    REFUSED = "refused", _("Already processed by the organisation; contact them directly")
    FAILED = "failed", _("Could not be delivered; our staff are looking into it")
    # Nothing to send: the application itself was never sent (cancelled), or is filed at
    # a counter (the mover is told not to file it, or to print the corrected form).
    NOT_NEEDED = "not_needed", _("Nothing to send")
    HANDLED = "handled", _("Handled by our staff")

    @classmethod
    def unfinished(cls) -> tuple[str, ...]:
        """Still on its way: waiting, being sent, or to be sent again."""
        return (cls.QUEUED, cls.SENDING, cls.RETRYING)


class AnswerStatus(models.TextChoices):
    """The organisation's answer about an application it has (処理状況), after its delivery.

    Separate from ``ProcedureStatus`` (the delivery's life, which the delivery app owns): an
    answer never changes whether an application was delivered. Each answer is a
    ``ProcedureAnswer`` row (the timeline); ``MoveProcedure.answer_status`` is the latest.

    The order (``allowed``): received (受付) → processing (処理中) → done (完了), or
    action_needed (不備あり: the organisation's message says what the mover is to do) or
    refused (受付不可: with the reason). processing and action_needed are one step: the
    organisation may ask for something while processing, and go back to processing once the
    mover has acted (and ask again). done and refused are final: nothing follows them. Any other
    move (processing → received, done → processing, …) goes backwards and is refused.
    """

    RECEIVED = "received", _("Received by the organisation")
    PROCESSING = "processing", _("Being processed")
    ACTION_NEEDED = "action_needed", _("Something is missing: please see the organisation's message")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Not accepted by the organisation")

    @classmethod
    def final(cls) -> set[str]:
        return {cls.DONE, cls.REFUSED}

    @classmethod
    def for_organisation(cls, status: str) -> str:
        """The status in the words of the organisation's staff who set it (the answer-code page),
        Japanese first and English beside it whatever the page's language: the labels above are
        the mover's ("please see the organisation's message")."""
        return ORGANISATION_WORDING.get(status, status)

    @classmethod
    def rank(cls, status: str) -> int:
        return {
            "": 0,
            cls.RECEIVED: 1,
            cls.PROCESSING: 2,
            cls.ACTION_NEEDED: 2,
            cls.DONE: 3,
            cls.REFUSED: 3,
        }[status]

    @classmethod
    def allowed(cls, old: str, new: str) -> bool:
        """Whether an answer ``new`` may follow the latest one, ``old`` ("" for none): never
        after a final one, never to a lower step; the same status again (a new message) is allowed."""
        if new not in cls.values or old in cls.final():
            return False
        return cls.rank(new) >= cls.rank(old)

    @classmethod
    def needs_message(cls) -> set[str]:
        """Statuses the organisation must explain: what is missing, why it is refused."""
        return {cls.ACTION_NEEDED, cls.REFUSED}


# AnswerStatus in the organisation's words (``AnswerStatus.for_organisation``).
ORGANISATION_WORDING = {
    AnswerStatus.RECEIVED.value: "受け付けた / Received",
    AnswerStatus.PROCESSING.value: "処理中 / Being processed",
    AnswerStatus.ACTION_NEEDED.value: "不備あり（申請者に連絡する） / Something is missing (contact the applicant)",
    AnswerStatus.DONE.value: "完了した / Done",
    AnswerStatus.REFUSED.value: "受付不可 / Not accepted",
}
