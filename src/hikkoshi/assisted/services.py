"""Writes: a move entered for a customer, the customer's consent (three ways), an agency's staff,
an agency's status, the monthly counts, the erasure of a customer's contact (and of the move's
name search terms, ``names``)."""

from datetime import timedelta
import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hikkoshi.encryption.digests import token_digest
from hikkoshi.encryption.fields import update_rows
from hikkoshi.moves.constants import MoveStatus
from hikkoshi.moves.models import Move
from hikkoshi.moves.services import move_draft_create

from . import names
from .models import Agency, AgencyMember, AssistedMove, BillingCount, CallCentre, Store
from .texts import AGENCY_CONSENT, CALL_SCRIPT

logger = logging.getLogger(__name__)

# How long the link a customer opens on their phone stays valid (and it works once).
PHONE_LINK_VALIDITY = timedelta(minutes=30)


def start_assisted_move(*, user, contact: dict, centre: CallCentre | None = None, store: Store | None = None) -> Move:
    """A new draft move entered by ``user`` for a customer of ``centre`` or of ``store``."""
    if (centre is None) == (store is None):
        raise ValueError("a move is entered for a call centre or for a store")
    with transaction.atomic():
        move = move_draft_create(owner=user)
        if centre is not None:
            AssistedMove.objects.create(
                move=move, kind=AssistedMove.Kind.CALL_CENTRE, centre=centre, entered_by=user, contact=contact
            )
        elif store is not None:
            AssistedMove.objects.create(
                move=move,
                kind=AssistedMove.Kind.AGENCY,
                agency=store.agency,
                store=store,
                entered_by=user,
                contact=contact,
            )
        names.index_names(move_id=move.pk, source=names.CONTACT, names=names.contact_names(contact))
    return move


def start_callcentre_move(*, user, centre: CallCentre) -> Move:
    """A new draft move for a caller of ``centre``, made once the operator has read the consent
    script (通話スクリプト) and the caller agreed: the move, its record and the consent in one
    transaction, with no contact yet. Nothing about the caller is stored before the consent:
    their contact comes next (``set_contact``)."""
    with transaction.atomic():
        move = move_draft_create(owner=user)
        AssistedMove.objects.create(
            move=move,
            kind=AssistedMove.Kind.CALL_CENTRE,
            centre=centre,
            entered_by=user,
            contact={},
            consent_method=AssistedMove.Method.SCRIPT,
            consent_version=CALL_SCRIPT.version,
            consent_recorded_by=user,
            consent_at=timezone.now(),
        )
    return move


def set_contact(assisted: AssistedMove, contact: dict) -> bool:
    """Store the customer's contact (encrypted) and its name search terms, once their consent is
    recorded, while the move is a draft. False (nothing stored) otherwise."""
    with transaction.atomic():
        locked = (
            AssistedMove.objects.select_for_update()
            .filter(pk=assisted.pk, consent_at__isnull=False, move__status=MoveStatus.DRAFT, move__erased_at=None)
            .first()
        )
        if locked is None:
            return False
        update_rows(AssistedMove.objects.filter(pk=locked.pk), contact=contact)
        names.index_names(move_id=locked.move_id, source=names.CONTACT, names=names.contact_names(contact))
    assisted.refresh_from_db()
    return True


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
        phone_token_digest=token_digest(token), phone_token_expires_at=now + PHONE_LINK_VALIDITY
    )
    assisted.refresh_from_db()
    return token


def phone_link_move(token: str, *, now=None) -> AssistedMove | None:
    """The move a phone link is for, while it is valid (not used, not expired), else None."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return (
        AssistedMove.objects.select_related("agency", "store", "move")
        .filter(
            phone_token_digest=token_digest(token),
            consent_at__isnull=True,
            phone_token_expires_at__gt=now,
            kind=AssistedMove.Kind.AGENCY,
            agency__status=Agency.Status.ADMITTED,
        )
        .first()
    )


def confirm_phone_link(token: str) -> AssistedMove | None:
    """The customer agreed on their phone: record it (once) and spend the link."""
    assisted = phone_link_move(token)
    if assisted is None:
        return None
    return (
        assisted if record_consent(assisted, method=AssistedMove.Method.PHONE, version=AGENCY_CONSENT.version) else None
    )


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


# -- erasure ------------------------------------------------------------------------------------


def assisted_move_erase(*, move_id: int) -> None:
    """Erase the customer's contact for the mailing (name, postal address, phone) of a move
    entered for a customer (``hikkoshi.privacy`` calls it in the transaction that erases the
    move's personal data). The consent record (how, which text, when, by whom) and the
    agency's monthly counts (``BillingCount``) hold no personal data and stay. The name search
    terms of the move (``names``: of the contact and of the applicant) go with them."""
    update_rows(AssistedMove.objects.filter(move_id=move_id), contact={})  # sealed for its row
    names.erase_names(move_id=move_id)


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


class MemberRefused(Exception):
    """A change of an agency's members that a manager may not make on their page; ``message``
    says why (for the person), ``field`` is the form field it belongs to (``None``: the form)."""

    def __init__(self, message, *, field: str | None = None, code: str = ""):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


# Why a manager's change is refused (lazy: they are shown in the language of the request).
ACCOUNT_EXISTS = _(
    "This address already has an account at hikkoshi. Ask the person for a work address, or ask an administrator."
)
REMOVED_EARLIER = _("This person was removed from the agency. Ask an administrator to take them back.")
OWN_ROLE = _("You cannot change your own role; ask another manager or an administrator.")
OWN_REMOVAL = _("You cannot remove yourself; ask another manager or the portal's operators.")
LAST_MANAGER = _("The agency would have no manager left. Make someone else a manager first.")
NOT_A_MANAGER = _("You no longer manage this agency.")

# What ``add_member`` did.
ADDED = "added"  # a new account, and its membership
CHANGED = "changed"  # the role or store of an active member
UNCHANGED = "unchanged"  # an active member, already with that role and store


def _find_user(email: str):
    """The account that has proved it owns ``email`` (a verified address), or ``None``.

    An unverified address never counts: anyone can type any address into their own account
    (it then waits there, unverified or pending a change, until its link is opened), so
    matching it would hand the membership to whoever typed it first."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return address.user if address is not None else None


def _address_taken(email: str) -> bool:
    """Whether any account has ``email`` in any way: verified or not, pending a change, or as its
    user's own address."""
    from allauth.account.models import EmailAddress

    return (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or get_user_model().objects.filter(email__iexact=email).exists()
    )


def _new_user(email: str):
    from allauth.account.models import EmailAddress

    from hikkoshi.identity import username_for

    username = username_for(email) or f"{email[:120]}-{secrets.token_hex(4)}"
    user = get_user_model().objects.create_user(username=username, email=email)  # no usable password
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    return user


def _locked_members(agency_id: int) -> list[AgencyMember]:
    """Every member row of the agency, locked until the transaction ends (in one order, so two
    managers' changes wait for each other instead of deadlocking). Whatever is decided from
    them (is there a manager left?) holds when it is written. Call inside ``atomic``."""
    return list(AgencyMember.objects.select_for_update().filter(agency_id=agency_id).order_by("pk"))


def _managers_besides(rows: list[AgencyMember], member: AgencyMember) -> bool:
    return any(r.active and r.role == AgencyMember.Role.MANAGER and r.pk != member.pk for r in rows)


def _check_manager(rows: list[AgencyMember], by) -> None:
    """``by`` (the manager making the change) still manages the agency, now that it is locked."""
    if by is None:
        return
    if not any(r.user_id == by.pk and r.active and r.role == AgencyMember.Role.MANAGER for r in rows):
        raise MemberRefused(NOT_A_MANAGER, code="not_a_manager")


def add_member(*, agency: Agency, email: str, role: str, store: Store | None, by=None) -> tuple[AgencyMember, str]:
    """A manager (``by``) adds a member to ``agency`` by e-mail address, or changes one.

    - An address no account has: a new account (without a password: they set it through the
      password-reset mail, see ``views``) and its membership. Returns ``ADDED``.
    - The verified address of an active member of this agency: their role and store change
      (``CHANGED``; ``UNCHANGED`` when they already have them).

    Anything else raises ``MemberRefused``: an address of any other account (verified or not,
    or pending a change) — making someone staff changes their account (it can no longer be
    deleted, its sessions are short, a suspension locks it out), so only an administrator links
    an existing account, in the admin; a member removed earlier (an administrator takes them
    back); a change of one's own role; a change that leaves the agency without a manager.
    Decided with the agency's member rows locked (``_locked_members``)."""
    if role == AgencyMember.Role.STAFF and store is None:
        raise ValueError("staff belong to a store")
    if store is not None and store.agency_id != agency.pk:
        raise ValueError("the store is not the agency's")
    if role == AgencyMember.Role.MANAGER:
        store = None
    with transaction.atomic():
        rows = _locked_members(agency.pk)
        _check_manager(rows, by)
        user = _find_user(email)
        if user is None:
            if _address_taken(email):
                raise MemberRefused(ACCOUNT_EXISTS, field="email", code="account_exists")
            user = _new_user(email)
            created = AgencyMember.objects.create(user=user, agency=agency, role=role, store=store)
            return created, ADDED
        member = next((r for r in rows if r.user_id == user.pk), None)
        if member is None:
            raise MemberRefused(ACCOUNT_EXISTS, field="email", code="account_exists")
        if not member.active:
            raise MemberRefused(REMOVED_EARLIER, field="email", code="removed")
        store_id = store.pk if store is not None else None
        if member.role == role and member.store_id == store_id:
            return member, UNCHANGED
        if by is not None and member.user_id == by.pk and member.role != role:
            raise MemberRefused(OWN_ROLE, field="role", code="own_role")
        if (
            member.role == AgencyMember.Role.MANAGER
            and role != AgencyMember.Role.MANAGER
            and not _managers_besides(rows, member)
        ):
            raise MemberRefused(LAST_MANAGER, field="role", code="last_manager")
        member.role, member.store = role, store
        member.save(update_fields=["role", "store"])
    return member, CHANGED


def remove_member(member: AgencyMember, *, by=None) -> bool:
    """Remove a member from their agency (the membership is kept, inactive, for the record).
    False when they were removed already. Raises ``MemberRefused`` for oneself and for the
    agency's last manager, decided with the agency's member rows locked, so that two managers
    removing each other at the same time cannot both succeed."""
    with transaction.atomic():
        rows = _locked_members(member.agency_id)
        _check_manager(rows, by)
        locked = next((r for r in rows if r.pk == member.pk), None)
        if locked is None or not locked.active:
            return False
        if by is not None and locked.user_id == by.pk:
            raise MemberRefused(OWN_REMOVAL, code="own_removal")
        if locked.role == AgencyMember.Role.MANAGER and not _managers_besides(rows, locked):
            raise MemberRefused(LAST_MANAGER, code="last_manager")
        locked.active = False
        locked.removed_at = timezone.now()
        locked.save(update_fields=["active", "removed_at"])
    member.active, member.removed_at = locked.active, locked.removed_at
    return True
