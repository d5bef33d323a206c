"""Keep the Django username equal to the (verified) e-mail address when the address changes; a
password reset through the link of a mail proves the address of a user who has only that one."""

from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed, password_reset
from django.dispatch import receiver

from .adapter import username_for


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
