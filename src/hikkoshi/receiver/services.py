"""Accepting an application (申請の受付) and writing what arrived as CSV.

``accept`` takes a request whose signature has been verified and answers with the receipt:
the first time an idempotency key is seen the application is stored under a new reference
number (``<SLUG>-YYYYMMDD-000001``, counted per organisation and day); the same key with the same
body again gets the stored receipt, the same key with another body is a conflict. Two requests
with the same key at the same moment are settled by the database's unique constraint: the one
that loses answers with the winner's receipt.

The staff's statuses of an application (処理状況: ``set_status``) go to the portal signed with
the organisation's key, from a small outbox (``StatusUpdate``, ``send_status_updates``), until
acknowledged.

Also the staff's second factor (``enrol_second_factor``, ``check_code``) and the retention
time (``purge``: applications older than their organisation keeps them are deleted).
"""

import csv
from dataclasses import dataclass
from datetime import timedelta
import io
import json
import logging
import threading
import time
import uuid

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from hikkoshi import httpsig
from hikkoshi.web import retry_after_seconds

from . import totp
from .models import Application, Counter, Notice, OrganisationSetting, SeenNonce, StaffSecondFactor, StatusUpdate

logger = logging.getLogger(__name__)


class Replayed(Exception):
    """This signature (its nonce) was accepted before."""


class Conflict(Exception):
    """The idempotency key was used before for another application."""


class UnknownApplication(Exception):
    """A withdrawal or correction names no application of this organisation."""


class Processed(Exception):
    """A withdrawal or correction of an application the organisation has already processed."""


NOTICE_FORMATS = {"hikkoshi.withdrawal/1": Notice.WITHDRAWAL, "hikkoshi.correction/1": Notice.CORRECTION}


def notice_kind(data: dict) -> str:
    """ "withdrawal" or "correction" for a notice's body, "" for an application."""
    return NOTICE_FORMATS.get(data["format"], "") if isinstance(data.get("format"), str) else ""


@dataclass(frozen=True)
class Accepted:
    application: Application | Notice
    created: bool  # False: the stored receipt of an earlier request with the same key


def idempotency_key_of(verified: httpsig.Verified) -> str:
    """The Idempotency-Key an application's signature covers."""
    return verified.covered['"idempotency-key"']


def content_digest_of(verified: httpsig.Verified) -> str:
    """The body digest an application's signature covers."""
    return verified.covered['"content-digest"']


def remember_nonce(verified: httpsig.Verified, *, keep: float) -> None:
    """Record the signature's nonce; raise ``Replayed`` if it was seen. Nonces older than
    ``keep`` seconds are forgotten (their signatures are refused as too old anyway)."""
    try:
        httpsig.check_nonce(verified.key_id, verified.nonce)  # the rule the federation shares
    except httpsig.SignatureError as exc:
        raise Replayed(str(exc)) from exc
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id=verified.key_id, nonce=verified.nonce, signed_at=verified.created)
    except IntegrityError as exc:
        raise Replayed from exc
    SeenNonce.objects.filter(signed_at__lt=timezone.now() - timedelta(seconds=keep)).delete()


def _text(value, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def summary(data: dict) -> tuple[str, str]:
    """The procedure (its name, or id) and the applicant's name of an application, for the list."""
    procedure = data.get("procedure")
    if isinstance(procedure, dict):
        name = _text(procedure.get("name")) or _text(procedure.get("id"))
    else:
        name = _text(procedure)
    applicant = data.get("applicant")
    return name, _text(applicant.get("name")) if isinstance(applicant, dict) else ""


def _reference(organisation: str, day) -> str:
    counter, _ = Counter.objects.select_for_update().get_or_create(organisation=organisation, day=day)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{organisation.upper()}-{day:%Y%m%d}-{counter.value:06d}"


def _existing(organisation: str, key: str, digest: str) -> Accepted | None:
    found = Application.objects.filter(organisation=organisation, idempotency_key=key).first()
    if found is None:
        return None
    if found.content_digest != digest:
        raise Conflict
    return Accepted(found, created=False)


def accept(*, organisation: str, verified: httpsig.Verified, data: dict) -> Accepted:
    """Store the application (or find the one stored under its key) and its receipt."""
    key, digest = idempotency_key_of(verified), content_digest_of(verified)
    found = _existing(organisation, key, digest)
    if found:
        return found
    procedure, applicant_name = summary(data)
    now = timezone.now()
    try:
        with transaction.atomic():
            reference = _reference(organisation, timezone.localdate(now))
            receipt = httpsig.receipt_body(
                reference=reference,
                idempotency_key=key,
                content_digest=digest,
                received_at=timezone.localtime(now),
                organisation=organisation,
            )
            application = Application.objects.create(
                organisation=organisation,
                reference=reference,
                idempotency_key=key,
                content_digest=digest,
                data=data,
                procedure=procedure,
                applicant_name=applicant_name,
                key_id=verified.key_id,
                signed_at=verified.created,
                received_at=now,
                receipt=json.dumps(receipt, ensure_ascii=False, separators=(",", ":")),
            )
    except IntegrityError:
        # Another request with the same key was stored first: answer as it was answered.
        found = _existing(organisation, key, digest)
        if found is None:
            raise
        return found
    logger.info("application received: %s", reference)
    return Accepted(application, created=True)


def accept_notice(*, organisation: str, verified: httpsig.Verified, data: dict) -> Accepted:
    """Store a withdrawal or correction (or find the one stored under its key) and its receipt.

    It must name an application of this organisation by its reference and idempotency key
    (``UnknownApplication``); one the organisation has processed is not changed any more
    (``Processed``). A withdrawal marks the application withdrawn; a correction is kept beside
    it (the application as first received stays as it was)."""
    key, digest = idempotency_key_of(verified), content_digest_of(verified)
    found = Notice.objects.filter(organisation=organisation, idempotency_key=key).first()
    if found is not None:
        if found.content_digest != digest:
            raise Conflict
        return Accepted(found, created=False)
    about = data["application"] if isinstance(data.get("application"), dict) else {}
    now = timezone.now()
    try:
        with transaction.atomic():
            application = (
                Application.objects.select_for_update()
                .filter(
                    organisation=organisation,
                    reference=str(about.get("reference") or ""),
                    idempotency_key=str(about.get("idempotency_key") or ""),
                )
                .first()
            )
            if application is None:
                raise UnknownApplication
            if application.processed_at is not None:
                raise Processed
            kind = notice_kind(data)
            reference = _reference(organisation, timezone.localdate(now))
            receipt = httpsig.receipt_body(
                reference=reference,
                idempotency_key=key,
                content_digest=digest,
                received_at=timezone.localtime(now),
                organisation=organisation,
            )
            receipt["about"] = application.reference
            notice = Notice.objects.create(
                application=application,
                organisation=organisation,
                kind=kind,
                reference=reference,
                idempotency_key=key,
                content_digest=digest,
                data=data,
                key_id=verified.key_id,
                received_at=now,
                receipt=json.dumps(receipt, ensure_ascii=False, separators=(",", ":")),
            )
            if kind == Notice.WITHDRAWAL and application.withdrawn_at is None:
                application.withdrawn_at = now
                application.save(update_fields=["withdrawn_at"])
    except IntegrityError:
        found = Notice.objects.filter(organisation=organisation, idempotency_key=key).first()
        if found is None:
            raise
        if found.content_digest != digest:
            raise Conflict from None
        return Accepted(found, created=False)
    logger.info("%s received: %s for %s", kind, reference, application.reference)
    return Accepted(notice, created=True)


def mark_processed(*, organisation: str, reference: str) -> bool:
    """The organisation's staff processed an application (処理済み): later withdrawals and
    corrections are refused with 409. False if there is no such application."""
    return (
        bool(
            Application.objects.filter(organisation=organisation, reference=reference, processed_at=None).update(
                processed_at=timezone.now()
            )
        )
        or Application.objects.filter(organisation=organisation, reference=reference).exists()
    )


# --- CSV ---------------------------------------------------------------------------------------------

FIXED_COLUMNS = ("reference", "received_at", "procedure", "applicant_name", "idempotency_key", "portal_key_id")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def flatten(value, prefix: str = "") -> dict[str, str]:
    """Nested JSON as one level: ``{"applicant": {"name": …}}`` → ``{"applicant.name": …}``,
    lists by index (``members.0.name``)."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{n}" if prefix else str(n)))
        if not value and prefix:
            out[prefix] = ""
    elif value is None:
        out[prefix] = ""
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    else:
        out[prefix] = str(value)
    return out


def _cell(value: str) -> str:
    """Text that a spreadsheet will not take for a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_csv(organisation: str) -> bytes:
    """Every application of an organisation, oldest first, one row each: the fixed columns, then
    the application's fields flattened, in the order they first appear. UTF-8 with a BOM, so
    Excel reads it as UTF-8."""
    applications = list(Application.objects.filter(organisation=organisation).order_by("received_at", "id"))
    rows, columns = [], {}
    for app in applications:
        flat = flatten(app.data)
        columns.update(dict.fromkeys(flat))
        rows.append((app, flat))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([*FIXED_COLUMNS, *columns])
    for app, flat in rows:
        fixed = [
            app.reference,
            timezone.localtime(app.received_at).isoformat(),
            app.procedure,
            app.applicant_name,
            app.idempotency_key,
            app.key_id,
        ]
        writer.writerow([_cell(v) for v in (*fixed, *(flat.get(c, "") for c in columns))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- the staff's second factor ----------------------------------------------------------------------


def enrol_second_factor(user) -> str:
    """A new TOTP secret for ``user`` (replacing any earlier one): the secret, to be shown once."""
    secret = totp.new_secret()
    StaffSecondFactor.objects.update_or_create(
        user=user, defaults={"secret": secret, "last_step": 0, "created_at": timezone.now()}
    )
    return secret


def has_second_factor(user) -> bool:
    return StaffSecondFactor.objects.filter(user_id=user.pk).exists()


def check_code(user, code: str, *, at: float | None = None) -> bool:
    """Whether ``code`` is ``user``'s current TOTP code and was not used before: a code (its
    time step, or an earlier one) is accepted once (RFC 6238 section 5.2), also when two
    requests bring it at the same moment (the database decides)."""
    factor = StaffSecondFactor.objects.filter(user_id=user.pk).first()
    if factor is None:
        return False
    step = totp.matching_step(factor.secret, code, at)
    if step is None or step <= factor.last_step:
        return False
    return bool(StaffSecondFactor.objects.filter(pk=factor.pk, last_step__lt=step).update(last_step=step))


# --- retention -----------------------------------------------------------------------------------------


def set_retention(organisation: str, days: int) -> None:
    OrganisationSetting.objects.update_or_create(organisation=organisation, defaults={"retention_days": days})


def purge(*, now=None) -> dict[str, int]:
    """Delete every application received longer ago than its organisation keeps them (its
    ``OrganisationSetting``, else ``DEFAULT_RETENTION_DAYS``), with its withdrawals and
    corrections, and the expired sign-in sessions. Organisations no longer served are purged
    too. Answers how many applications of each organisation were deleted."""
    from django.contrib.sessions.models import Session

    now = now or timezone.now()
    deleted: dict[str, int] = {}
    organisations = Application.objects.order_by().values_list("organisation", flat=True).distinct()
    for organisation in list(organisations):
        cutoff = now - timedelta(days=OrganisationSetting.retention(organisation))
        _total, per_model = Application.objects.filter(organisation=organisation, received_at__lt=cutoff).delete()
        count = per_model.get(Application._meta.label, 0)
        if count:
            deleted[organisation] = count
            logger.info("purged %d application(s) of %s received before %s", count, organisation, cutoff.date())
    Session.objects.filter(expire_date__lt=now).delete()
    if deleted and connection.vendor == "sqlite":
        # With secure_delete the rows are overwritten in the file; the write-ahead log still
        # holds earlier copies of their pages until it is written back and emptied.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return deleted


def start_purging(interval: float) -> threading.Thread | None:
    """Purge now and then every ``interval`` seconds in a thread of this process (a web worker
    of ``hikkoshi receiver``); ``None`` when ``interval`` is 0 (purging is left to
    ``hikkoshi receiver purge``)."""
    if interval <= 0:
        return None

    def run() -> None:
        while True:
            try:
                purge()
            except Exception:  # a database hiccup: try again at the next turn
                logger.exception("purge failed")
            finally:
                connection.close()
            time.sleep(interval)

    thread = threading.Thread(target=run, name="receiver-purge", daemon=True)
    thread.start()
    return thread


# --- data keys -----------------------------------------------------------------------------------------


def rotate_data_keys(*, batch: int = 200) -> int:
    """Encrypt every encrypted value again with the first data key (``hikkoshi receiver
    rotate``), row by row in short transactions; answers how many rows were written. A receiver
    keeps little (its retention time), so every row is written again: a value under another key
    or bound to its column only (stored before values were bound to their rows) is encrypted
    again, bound to its row (``EncryptedJSONField.pre_save``), a current one is kept as it is.
    Run it after putting a new key first, then remove the old key."""
    from django.db import transaction

    from hikkoshi.encryption.fields import EncryptedJSONField

    written = 0
    for model in (Application, Notice, StaffSecondFactor, StatusUpdate):
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedJSONField)]
        last = 0
        while True:
            pks = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not pks:
                break
            last = pks[-1]
            for pk in pks:
                with transaction.atomic():
                    row = model.objects.select_for_update().filter(pk=pk).first()
                    if row is not None:
                        row.save(update_fields=fields)
                        written += 1
    logger.info("data keys rotated: %d rows encrypted again", written)
    return written


# --- status updates to the portal (処理状況) ---------------------------------------------------------

# The order the portal enforces (``AnswerStatus.allowed`` there, repeated here so the staff hear
# at once): a status never goes to a lower step; done and refused are final. processing and
# action_needed share a step (the organisation may ask again, and go on once the mover acted).
STATUS_RANK = {"": 0, "received": 1, "processing": 2, "action_needed": 2, "done": 3, "refused": 3}
FINAL_STATUSES = ("done", "refused")
NEEDS_MESSAGE = ("action_needed", "refused")
MESSAGE_MAX = 2000
SEND_BATCH = 50
RETRY_MAX_WAIT = 3600.0  # seconds between two attempts, at most
# The portal's Retry-After (429, 503) is followed, shorter or longer than our back-off, up to a day.
RETRY_AFTER_MAX = 86400.0


class StatusRefused(Exception):
    """A status that cannot follow the application's latest one (or lacks its message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def current_status(application: Application) -> str:
    """The latest status set that the portal has not refused ("" for none)."""
    found = (
        application.status_updates.filter(refused_code="")
        .order_by("-created_at", "-id")
        .values_list("status", flat=True)
    )
    return found.first() or ""


def set_status(*, organisation: str, reference: str, status: str, message: str, set_by: str = "") -> StatusUpdate:
    """The staff set an application's status (with a message to the applicant): stored as an
    update to send (its own idempotency key), and sent once this transaction commits (and
    again by ``send_status_updates`` until the portal acknowledges it). done and refused also
    mark the application processed (処理済み)."""
    message = (message or "").strip()
    if status not in STATUS_RANK or not status:
        raise StatusRefused("bad_status")
    if status in NEEDS_MESSAGE and not message:
        raise StatusRefused("message_required")
    if len(message) > MESSAGE_MAX:
        raise StatusRefused("message_too_long")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(organisation=organisation, reference=reference)
        old = current_status(application)
        if old in FINAL_STATUSES or STATUS_RANK[status] < STATUS_RANK[old]:
            raise StatusRefused("backwards")
        now = timezone.now()
        update = StatusUpdate.objects.create(
            application=application,
            status=status,
            message=message,
            idempotency_key=str(uuid.uuid4()),
            set_by=set_by[:150],
            created_at=now,
            next_attempt_at=now,
        )
        if status in FINAL_STATUSES and application.processed_at is None:
            Application.objects.filter(pk=application.pk).update(processed_at=now)
        transaction.on_commit(_send_soon)
    return update


def _send_soon() -> None:
    """Send what is due in a thread of its own: the staff's page does not wait for the portal."""

    def run() -> None:
        try:
            send_status_updates()
        except Exception:  # the timer tries again
            logger.exception("status updates not sent")
        finally:
            connection.close()

    threading.Thread(target=run, name="receiver-status-send", daemon=True).start()


def _status_body(update: StatusUpdate) -> bytes:
    application = update.application
    return json.dumps(
        {
            "type": httpsig.ANSWER_TYPE,
            "version": 1,
            "application": {"idempotency_key": application.idempotency_key, "reference": application.reference},
            "status": update.status,
            "message": update.message or "",
            "set_at": update.created_at.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def _post_status(update: StatusUpdate, url: str) -> tuple[str, str, float | None]:
    """POST one update signed with its organisation's key: ("sent" | "refused" | "retry", code,
    and for a 429 or 503 the seconds the portal asked us to wait with ``Retry-After``)."""
    import httpx

    from .keys import organisation_key

    body = _status_body(update)
    private_key, key_id = organisation_key(update.application.organisation)
    headers = httpsig.sign_message(
        httpsig.Request("POST", url, {"Content-Type": httpsig.JSON, "Idempotency-Key": update.idempotency_key}),
        tag=httpsig.ANSWER_TAG,
        components=httpsig.ANSWER_COMPONENTS,
        private_key=private_key,
        key_id=key_id,
        body=body,
    )
    headers["Accept"] = "application/json"
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10.0, follow_redirects=False)
    except httpx.HTTPError as exc:
        return "retry", type(exc).__name__, None
    if 200 <= response.status_code < 300:
        return "sent", str(response.status_code), None
    if response.status_code in (408, 425, 429) or response.status_code >= 500:
        wish = retry_after_seconds(response.headers.get("retry-after")) if response.status_code in (429, 503) else None
        return "retry", f"http_{response.status_code}", wish
    try:
        code = str(response.json().get("code") or "")[:60]
    except ValueError:
        code = ""
    return "refused", code or f"http_{response.status_code}", None


def send_status_updates(*, now=None) -> dict[str, int]:
    """Send the updates that are due, oldest first; an application's later updates wait while
    an earlier one is unacknowledged. Each is claimed (its next attempt moved on) before it is
    sent, outside any transaction. Answers how many were sent, refused and left to retry."""
    url = settings.RECEIVER.get("portal_answers_url", "")
    counts = {"sent": 0, "refused": 0, "retry": 0}
    now = now or timezone.now()
    due = list(
        StatusUpdate.objects.filter(sent_at=None, refused_code="", next_attempt_at__lte=now)
        .select_related("application")
        .order_by("created_at", "id")[:SEND_BATCH]
    )
    waiting: set[int] = set()
    for update in due:
        if update.application_id in waiting:
            continue
        earlier_open = StatusUpdate.objects.filter(
            application_id=update.application_id, sent_at=None, refused_code="", id__lt=update.pk
        ).exists()
        if earlier_open:
            waiting.add(update.application_id)
            continue
        wait = min(RETRY_MAX_WAIT, 15.0 * 2 ** min(update.attempts, 12))
        claimed = StatusUpdate.objects.filter(pk=update.pk, next_attempt_at=update.next_attempt_at).update(
            next_attempt_at=now + timedelta(seconds=wait), attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another worker has it
        wish: float | None = None
        if not url:
            outcome, code = "retry", "no_portal_answers_url"
        else:
            outcome, code, wish = _post_status(update, url)
        if outcome == "sent":
            StatusUpdate.objects.filter(pk=update.pk).update(sent_at=timezone.now(), last_error="")
        elif outcome == "refused":
            StatusUpdate.objects.filter(pk=update.pk).update(refused_code=code, last_error=code)
        else:
            fields: dict = {"last_error": code[:120]}
            if wish is not None:  # the portal's own Retry-After, instead of our back-off
                fields["next_attempt_at"] = timezone.now() + timedelta(seconds=min(wish, RETRY_AFTER_MAX))
            StatusUpdate.objects.filter(pk=update.pk).update(**fields)
            waiting.add(update.application_id)
        counts[outcome] += 1
        logger.info("status_update %s id=%s code=%s", outcome, update.pk, code)
    return counts


def start_sending(interval: float) -> threading.Thread | None:
    """Send the due status updates every ``interval`` seconds in a thread of this process;
    ``None`` when ``interval`` is 0."""
    if interval <= 0:
        return None

    def run() -> None:
        while True:
            try:
                send_status_updates()
            except Exception:
                logger.exception("status updates not sent")
            finally:
                connection.close()
            time.sleep(interval)

    thread = threading.Thread(target=run, name="receiver-status-send-timer", daemon=True)
    thread.start()
    return thread
