import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi import application_number
from hikkoshi.catalogue.models import ProcedureVersion
from hikkoshi.encryption.fields import EncryptedJSONField

from .constants import AnswerStatus, MoveStatus, ProcedureStatus


def owner_deleted(collector, field, sub_objs, using):
    """What happens to a user's moves when the user is deleted.

    A person's own moves go with their account (``CASCADE``). A move entered for a customer
    (代行: ``AssistedMove``) belongs to its call centre or store, not to the staff member who
    entered it: it stays, without an owner (``SET_NULL``), and keeps being seen by the centre or
    the store (``hikkoshi.moves.access``, whose ``own_only`` the app that enters them tells).
    """
    from .access import own_only  # access imports this module

    own_condition = own_only()
    kept = sub_objs.exclude(own_condition) if own_condition else sub_objs.none()
    if kept.exists():
        models.SET_NULL(collector, field, kept, using)
    own = sub_objs.filter(own_condition)
    if own.exists():
        models.CASCADE(collector, field, own, using)


class Move(models.Model):
    """A mover's application (引越し申請): common data once, one ``MoveProcedure`` per chosen procedure.

    The personal fields (申請者, 世帯員, 世帯主, 旧住所・新住所, 下書き) are encrypted at rest
    (``EncryptedJSONField``: not queryable by content). When every delivery is final and the
    retention time has passed, ``privacy.services.erase_expired`` has them emptied
    (``moves.lifecycle.move_erase``) and ``erased_at`` set; the move stays in its owner's list
    without personal data. After submission, only ``moves.lifecycle`` changes a move's rows.
    """

    # Not stored: on the move ``move_submit`` returns, what its validation warned about.
    warnings: list[dict]

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # 申請番号: what the mover, staff and organisations read and type (``hikkoshi.application_number``); given
    # when the move is submitted. The UUID stays internal.
    number = models.CharField(
        _("application number"), max_length=11, unique=True, null=True, blank=True, editable=False
    )
    # Null only for a move entered for a customer whose staff member's account was deleted.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=owner_deleted,
        related_name="moves",
        verbose_name=_("owner"),
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=12, choices=MoveStatus.choices, default=MoveStatus.DRAFT)
    kinds = models.JSONField(_("kinds of move"), default=list)
    move_date = models.DateField(_("moving day"), null=True, blank=True)
    old_address = EncryptedJSONField(_("old address"), default=dict, row_key="public_id")
    new_address = EncryptedJSONField(_("new address"), default=dict, row_key="public_id")
    applicant = EncryptedJSONField(_("applicant"), default=dict, row_key="public_id")
    members = EncryptedJSONField(_("household members"), default=list, row_key="public_id")
    # 世帯主 at the new address: {"head": "applicant" | "members[N]" | "other", "head_name": "…"};
    # {} for moves stored before it was asked (``moves.services.household_check``).
    household = EncryptedJSONField(_("household"), default=dict, blank=True, row_key="public_id")
    # The mover's choice per procedure that applied (slug → apply / arranged / other_company /
    # not_needed / withheld: ``catalogue.constants.ProcedureChoice``). No personal data: kept
    # for statistics also after the personal data is erased.
    procedure_choices = models.JSONField(_("procedure choices"), default=dict, blank=True)
    # An API client's Idempotency-Key: the same key again answers with this move.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True, default="")
    # What the mover typed on each page, valid or not, so leaving never loses anything.
    draft = EncryptedJSONField(_("draft"), default=dict, blank=True, row_key="public_id")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The agreement to send the data to the organisations (データ提供への同意), at submission.
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True, editable=False)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent given by"),
        editable=False,
    )
    consent_version = models.CharField(_("consent text version"), max_length=40, blank=True, editable=False)
    # When the personal data was erased after the retention time (保存期間経過後の消去).
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("move")
        verbose_name_plural = _("moves")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            # The moves whose personal data may be due for erasure (the hourly job, a batch at a
            # time in id order): only the submitted and not yet erased ones are in it, so it
            # stays small over the years.
            models.Index(
                fields=["id"],
                name="move_erasure_due_idx",
                condition=models.Q(status="submitted", erased_at__isnull=True),
            ),
            models.Index(fields=["-created_at"], name="move_created_idx"),
            # Drafts left untouched (those entered for a customer are deleted hourly).
            models.Index(fields=["updated_at"], name="move_draft_idx", condition=models.Q(status="draft")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="move_idempotency_key_once",
            )
        ]

    def __str__(self):
        return self.number or str(self.public_id)

    def save(self, *args, **kwargs):
        if self.status == MoveStatus.SUBMITTED and not self.number:
            self.number = unused_number()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "number"}
        super().save(*args, **kwargs)


def unused_number() -> str:
    """A new 申請番号 no move has yet (2⁴⁵ of them: a second try is already rare; the unique
    constraint settles two submissions drawing the same one at the same moment)."""
    while True:
        number = application_number.generate()
        if not Move.objects.filter(number=number).exists():
            return number


class MoveProcedure(models.Model):  # noqa: DJ008 (shown through its move, never by itself)
    """One chosen procedure of a move, with its own fields, at the version it was made with."""

    move = models.ForeignKey(Move, on_delete=models.CASCADE, related_name="procedures")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="procedures")
    values = EncryptedJSONField(_("values"), default=dict, row_key=("move", "version"))
    # The kinds of this move the procedure was chosen for (転出 at the old address, …).
    kinds = models.JSONField(_("kinds of move"), default=list)
    status = models.CharField(
        _("status"), max_length=12, choices=ProcedureStatus.choices, default=ProcedureStatus.QUEUED
    )
    deadline_from = models.DateField(_("from"), null=True, blank=True)
    deadline_to = models.DateField(_("until"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    office = models.JSONField(_("office"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # A window procedure the mover says they filed at the counter (窓口で届出済み), and when.
    filed_at = models.DateTimeField(_("filed at the counter"), null=True, blank=True)
    # The day the mover chose to go to the counter for a window procedure (来庁予定日).
    visit_on = models.DateField(_("day of the visit to the counter"), null=True, blank=True)
    # The organisation's latest answer (処理状況, ``AnswerStatus``; "" before any) and when it came:
    # what the admin's "answers waiting too long" filter and the order check read
    # (``moves.answers``). The timeline is ``ProcedureAnswer``.
    answer_status = models.CharField(
        _("organisation's answer"), max_length=16, choices=AnswerStatus.choices, blank=True, default=""
    )
    answer_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # When the application reached the organisation (the delivery's "delivered"): the timeline's
    # first row (``procedure_status_record``).
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("procedure of a move")
        verbose_name_plural = _("procedures of moves")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["move", "version"], name="move_procedure_once")]

    @property
    def definition(self) -> dict:
        return self.version.definition


class ProcedureAnswer(models.Model):
    """One answer of the organisation about a procedure it received (処理状況の更新): its status,
    its message to the mover (不備あり: what to do; 受付不可: why), when, and how it came — a
    signed update of its receiver (``web``), its staff on the answer-code page (``code``), or the
    web channel's receipt (``receipt``). Appended, never changed (``moves.answers.answer_record``,
    ``receipt_record``);
    the message is personal data: encrypted, and emptied with the move's (``move_erase``).

    ``key`` is the update's own idempotency key: the same update again records nothing more."""

    class Source(models.TextChoices):
        RECEIPT = "receipt", _("Receipt of the web channel")
        WEB = "web", _("Signed update from the organisation's system")
        CODE = "code", _("Answer page with the application's code")

    entry = models.ForeignKey(MoveProcedure, on_delete=models.CASCADE, related_name="answers")
    key = models.CharField(_("idempotency key"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=AnswerStatus.choices)
    message = EncryptedJSONField(_("message"), default=str, blank=True, row_key=("entry", "key"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The organisation's key that signed a web update (its key id), for the record.
    key_id = models.CharField(_("key id"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("answer of an organisation")
        verbose_name_plural = _("answers of organisations")
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "key"], name="procedure_answer_once")]

    def __str__(self):
        return f"{self.status} {self.at:%Y-%m-%d %H:%M}"


class AnswerCode(models.Model):  # noqa: DJ008 (a secret, never shown by itself)
    """How an organisation without a system (e-mail, fax) answers about one application: a
    short ``reference`` printed on the 申込書 / FAX送付状 with the answer page's URL and a QR
    code, and an answer code whose hash only is stored (``moves.answers``). Valid for that
    application only, any number of times, until the move's personal data is erased after its
    retention time (or the move is deleted): the row goes then, and with it the code."""

    entry = models.OneToOneField(MoveProcedure, on_delete=models.CASCADE, related_name="answer_code")
    reference = models.CharField(_("answer reference"), max_length=20, unique=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
