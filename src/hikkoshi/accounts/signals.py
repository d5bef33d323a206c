"""Revoke API tokens when the rules of ``hikkoshi.accounts.tokens`` say so. Keep the Django username
equal to the (verified) e-mail address when the address changes; a password reset through the link
of a mail proves the address of a user who has only that one."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed, password_changed, password_reset, password_set
from allauth.mfa.signals import authenticator_removed
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import Signal, receiver

from hikkoshi.identity import username_for

# A sign-in was refused because too many failed for the account or the address (lockout, sent by
# ``adapter.AccountAdapter.pre_authenticate`` with ``request``): for the statistics, which
# rank above this app. Nothing about who tried is sent.
sign_in_locked_out = Signal()


@receiver(email_changed, dispatch_uid="hikkoshi.accounts.username_follows_email")
def username_follows_email(sender, request, user, from_email_address, to_email_address, **kwargs):
    username = username_for(to_email_address.email)
    if username is not None and username != user.username:
        user.username = username
        user.save(update_fields=["username"])


@receiver(password_reset, dispatch_uid="hikkoshi.accounts.reset_verifies_the_only_address")
def reset_verifies_the_only_address(sender, request, user, **kwargs):
    """A staff member added by an agency's manager gets an account with one unverified address
    and sets a password through allauth's reset mail, sent to that address: following its link
    proves the address, so it is marked verified (else the first sign-in would ask for yet
    another mail). Users with more than one address are left alone."""
    addresses = list(EmailAddress.objects.filter(user=user))
    if len(addresses) == 1 and not addresses[0].verified:
        addresses[0].verified = True
        addresses[0].primary = True
        addresses[0].save(update_fields=["verified", "primary"])


def revoke_tokens(user) -> int:
    """Delete every API token of ``user`` (the programs that use them get 401)."""
    from .models import ApiToken

    deleted, _rows = ApiToken.objects.filter(user_id=user.pk).delete()
    return deleted


@receiver(password_reset, dispatch_uid="hikkoshi.accounts.tokens_revoked_on_reset")
@receiver(password_changed, dispatch_uid="hikkoshi.accounts.tokens_revoked_on_change")
@receiver(password_set, dispatch_uid="hikkoshi.accounts.tokens_revoked_on_set")
def tokens_revoked_with_the_password(sender, request, user, **kwargs):
    """A new password (changed, or reset through the mail) ends the tokens made before it: whoever
    took the account over may have made one."""
    revoke_tokens(user)


@receiver(authenticator_removed, dispatch_uid="hikkoshi.accounts.tokens_revoked_without_factor")
def tokens_revoked_without_second_factor(sender, request, user, authenticator, **kwargs):
    """The last authenticator (app or key) removed: the tokens made after using it go."""
    from hikkoshi.identity import second_factors

    if not second_factors(user):
        revoke_tokens(user)


def _staff_before(user, *, excluding=None) -> bool:
    """Whether ``user`` was staff before a membership (``excluding``) was added."""
    from hikkoshi.assisted.models import AgencyMember, Operator

    if user.is_staff or user.is_superuser:
        return True
    agency = AgencyMember.objects.filter(user_id=user.pk)
    operator = Operator.objects.filter(user_id=user.pk)
    if excluding is not None:
        agency = agency.exclude(pk=excluding.pk) if isinstance(excluding, AgencyMember) else agency
        operator = operator.exclude(pk=excluding.pk) if isinstance(excluding, Operator) else operator
    groups = list(getattr(settings, "HIKKOSHI_STAFF_GROUPS", ()))
    return agency.exists() or operator.exists() or (bool(groups) and user.groups.filter(name__in=groups).exists())


def membership_made(sender, instance, created, raw=False, **kwargs):
    """A mover linked to an agency store or a call centre becomes staff: their tokens (made as a
    mover, perhaps without any second factor) are revoked."""
    if created and not raw and not _staff_before(instance.user, excluding=instance):
        revoke_tokens(instance.user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="hikkoshi.accounts.staff_flag_before")
def remember_staff_flag(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values("is_staff", "is_superuser").first()
    instance._hikkoshi_was_staff = bool(before and (before["is_staff"] or before["is_superuser"]))


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="hikkoshi.accounts.staff_flag_after")
def staff_flag_set(sender, instance, created, raw=False, **kwargs):
    """An administrator makes a user ``is_staff``: their tokens are revoked."""
    was = getattr(instance, "_hikkoshi_was_staff", None)
    if raw or created or was is None:
        return
    if not was and (instance.is_staff or instance.is_superuser) and not _staff_before_memberships(instance):
        revoke_tokens(instance)


def _staff_before_memberships(user) -> bool:
    from hikkoshi.assisted.models import AgencyMember, Operator

    return AgencyMember.objects.filter(user_id=user.pk).exists() or Operator.objects.filter(user_id=user.pk).exists()


def staff_group_added(sender, instance, action, pk_set, reverse, **kwargs):
    """A user put into one of ``HIKKOSHI_STAFF_GROUPS`` becomes staff: tokens revoked."""
    groups = list(getattr(settings, "HIKKOSHI_STAFF_GROUPS", ()))
    if action != "post_add" or reverse or not groups or not pk_set:
        return
    from django.contrib.auth.models import Group

    if Group.objects.filter(pk__in=pk_set, name__in=groups).exists():
        revoke_tokens(instance)


def connect_membership_signals():
    from django.contrib.auth import get_user_model

    from hikkoshi.assisted.models import AgencyMember, Operator

    post_save.connect(membership_made, sender=AgencyMember, dispatch_uid="hikkoshi.accounts.agency_member_made")
    post_save.connect(membership_made, sender=Operator, dispatch_uid="hikkoshi.accounts.operator_made")
    m2m_changed.connect(
        staff_group_added, sender=get_user_model().groups.through, dispatch_uid="hikkoshi.accounts.staff_group_added"
    )


@receiver(user_logged_in, dispatch_uid="hikkoshi.accounts.known_browser")
def browser_known(sender, request, user, **kwargs):
    """A completed sign-in (password and, for staff, the second factor): this browser is known
    to the account (``known_browsers``)."""
    if request is not None:
        from .known_browsers import remember

        remember(request, user)
