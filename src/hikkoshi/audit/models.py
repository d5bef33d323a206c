"""The audit log (監査ログ): who viewed, changed, printed, exported or deleted which move, when
and from where. Append-only — rows are never changed or deleted by the application (the model
refuses, and on PostgreSQL a database trigger refuses too) — and it holds no personal
data beyond ids: the actor's user id and role, the move's public id, the client address and a
short action code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    SUBMIT = "submit", _("Submitted")
    PRINT = "print", _("Printed / downloaded a document")
    EXPORT = "export", _("Exported")
    DELETE = "delete", _("Deleted")
    CONSENT = "consent", _("Consent recorded")
    RESEND = "resend", _("Delivery sent again")
    HANDLED = "handled", _("Delivery marked handled")
    ERASE = "erase", _("Personal data erased")
    WITHDRAW = "withdraw", _("Application withdrawn (取下げ)")
    CORRECT = "correct", _("Application corrected (訂正)")
    FILED = "filed", _("Marked as filed at the counter")
    VISIT = "visit", _("Chose the day of the visit to the counter")


class AppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    role = models.CharField(_("role"), max_length=20, blank=True)  # mover, operator, agency, admin, api, system
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    move = models.UUIDField(_("move"), null=True, blank=True, db_index=True)  # the move's public id
    target = models.CharField(_("what"), max_length=60, blank=True)  # e.g. a document name, "account"
    ip = models.GenericIPAddressField(pgettext_lazy("where a request came from", "from"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=10, blank=True)  # page, api, admin, command

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.move or ''}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit events are never deleted")
