from django.db import models
from django.utils.translation import gettext_lazy as _


class MoveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class EntryStatus(models.TextChoices):
    """Where one procedure of a move stands: the life cycle of its delivery (申請の送付状況).

    queued → sending → delivered, or → retrying → sending … → delivered / failed; a window
    procedure is in_person from the start. Staff may mark a failed one handled; the mover may
    withdraw one not yet sent (withdrawn). The delivery
    app moves it on (``hikkoshi.delivery``); the mover sees it on the result page and in 申請結果.
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
    # is a notice of its own, ``delivery.Notice``.)
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def final(cls) -> set[str]:
        """The statuses after which nothing more happens by itself."""
        return {cls.DELIVERED, cls.FAILED, cls.IN_PERSON, cls.HANDLED, cls.WITHDRAWN}
