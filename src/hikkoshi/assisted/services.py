"""Writes: a move entered for a customer, the customer's consent (three ways), an agency's staff,
an agency's status, the monthly counts."""

from datetime import timedelta
import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hikkoshi.moves.models import Move
from hikkoshi.moves.services import move_draft_create

from .models import Agency, AgencyMember, AssistedMove, BillingCount, CallCentre, Store, token_digest
from .texts import AGENCY_CONSENT, CALL_SCRIPT

logger = logging.getLogger(__name__)

# How long the link a customer opens on their phone stays valid (and it works once).
PHONE_LINK_VALIDITY = timedelta(minutes=30)


def start_assisted_move(*, user, contact: dict, centre: CallCentre | None = None,
                        store: Store | None = None) -> Move:
    """A new draft move entered by ``user`` for a customer of ``centre`` or of ``store``."""
    if (centre is None) == (store is None):
        raise ValueError("a move is entered for a call centre or for a store")
    with transaction.atomic():
        move = move_draft_create(owner=user)
        if centre is not None:
            AssistedMove.objects.create(move=move, kind=AssistedMove.Kind.CALL_CENTRE, centre=centre,
                                        entered_by=user, contact=contact)
        else:
            AssistedMove.objects.create(move=move, kind=AssistedMove.Kind.AGENCY, agency=store.agency,
                                        store=store, entered_by=user, contact=contact)
    return move


def record_consent(assisted: AssistedMove, *, method: str, version: str, by=None) -> bool:
    """Record the customer's consent once: how, which text, who recorded it, now. False when it
    was recorded already (the first record stays)."""
    with transaction.atomic():
        locked = AssistedMove.objects.select_for_update().filter(pk=assisted.pk, consent_at__isnull=True).first()
        if locked is None:
            return False
        now = timezone.now()
        locked.consent_method = method
        locked.consent_version = version
        locked.consent_recorded_by = by
        locked.consent_at = now
        if method == AssistedMove.Method.PHONE:
            locked.phone_confirmed_at = now
        locked.phone_token_digest = ""  # a link not used yet stops working
        locked.save()
    assisted.refresh_from_db()
    return True


def record_script_consent(assisted: AssistedMove, *, operator) -> bool:
    return record_consent(assisted, method=AssistedMove.Method.SCRIPT, version=CALL_SCRIPT.version, by=operator)


def record_sheet_consent(assisted: AssistedMove, *, staff) -> bool:
    return record_consent(assisted, method=AssistedMove.Method.SHEET, version=AGENCY_CONSENT.version, by=staff)


def issue_phone_link(assisted: AssistedMove, *, now=None) -> str:
    """A new single-use token for the customer's phone (any earlier one stops working); only its
    digest is stored. Returns the token, to be shown once."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    AssistedMove.objects.filter(pk=assisted.pk, consent_at__isnull=True).update(
        phone_token_digest=token_digest(token), phone_token_expires_at=now + PHONE_LINK_VALIDITY)
    assisted.refresh_from_db()
    return token


def phone_link_move(token: str, *, now=None) -> AssistedMove | None:
    """The move a phone link is for, while it is valid (not used, not expired), else None."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return (AssistedMove.objects.select_related("agency", "store", "move")
            .filter(phone_token_digest=token_digest(token), consent_at__isnull=True,
                    phone_token_expires_at__gt=now, kind=AssistedMove.Kind.AGENCY,
                    agency__status=Agency.Status.ADMITTED).first())


def confirm_phone_link(token: str) -> AssistedMove | None:
    """The customer agreed on their phone: record it (once) and spend the link."""
    assisted = phone_link_move(token)
    if assisted is None:
        return None
    return assisted if record_consent(assisted, method=AssistedMove.Method.PHONE,
                                      version=AGENCY_CONSENT.version) else None


# -- the monthly counts -------------------------------------------------------------------------

def count_submission(move: Move) -> None:
    """Add a submitted move entered for an agency's customer to its agency's and store's month."""
    assisted = AssistedMove.objects.filter(move=move, kind=AssistedMove.Kind.AGENCY).first()
    if assisted is None:
        return
    month = timezone.localtime(move.submitted_at or timezone.now()).strftime("%Y-%m")
    key = {"agency_id": assisted.agency_id, "store_id": assisted.store_id, "month": month}
    if BillingCount.objects.filter(**key).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            BillingCount.objects.create(**key, count=1)
    except IntegrityError:  # another process made it meanwhile
        BillingCount.objects.filter(**key).update(count=F("count") + 1)


# -- agencies and their staff -------------------------------------------------------------------

def set_agency_status(agency: Agency, status: str) -> bool:
    """Admit, suspend or remove an agency. Takes effect at once: access is worked out from the
    status on every request (``moves.access``, ``accounts.access``)."""
    if agency.status == status:
        return False
    agency.status = status
    agency.status_changed_at = timezone.now()
    agency.save(update_fields=["status", "status_changed_at", "updated_at"])
    return True


def _find_user(email: str):
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None:
        return address.user
    return get_user_model().objects.filter(email__iexact=email).first()


def _new_user(email: str):
    from allauth.account.models import EmailAddress

    from hikkoshi.accounts.adapter import username_for

    username = username_for(email) or f"{email[:120]}-{secrets.token_hex(4)}"
    user = get_user_model().objects.create_user(username=username, email=email)  # no usable password
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    return user


def add_member(*, agency: Agency, email: str, role: str, store: Store | None) -> tuple[AgencyMember, bool]:
    """Add a member to ``agency`` by e-mail address: the account with that address, or a new one
    (without a password; they set it through the password-reset mail, see ``views``). A member
    removed earlier is taken back with the new role and store. Returns (member, new account)."""
    if role == AgencyMember.Role.STAFF and store is None:
        raise ValueError("staff belong to a store")
    if store is not None and store.agency_id != agency.pk:
        raise ValueError("the store is not the agency's")
    with transaction.atomic():
        user = _find_user(email)
        created = user is None
        if created:
            user = _new_user(email)
        member, _new = AgencyMember.objects.update_or_create(
            user=user, agency=agency,
            defaults={"role": role, "store": store, "active": True, "removed_at": None})
    return member, created


def remove_member(member: AgencyMember) -> bool:
    """Remove a member from their agency (the membership is kept, inactive, for the record)."""
    if not member.active:
        return False
    member.active = False
    member.removed_at = timezone.now()
    member.save(update_fields=["active", "removed_at"])
    return True
