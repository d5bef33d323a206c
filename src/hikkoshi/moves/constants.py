from django.db import models
from django.utils.translation import gettext_lazy as _


class MoveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class EntryStatus(models.TextChoices):
    """Where one procedure of a move stands (the delivery app moves it on)."""

    SUBMITTED = "submitted", _("Submitted, waiting to be sent")
    IN_PERSON = "in_person", _("To be taken to the counter in person")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
