"""Keep the Django username equal to the (verified) e-mail address when the address changes."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from .adapter import username_for


@receiver(email_changed, dispatch_uid="hikkoshi.accounts.username_follows_email")
def username_follows_email(sender, request, user, from_email_address, to_email_address, **kwargs):
    username = username_for(to_email_address.email)
    if username is not None and username != user.username:
        user.username = username
        user.save(update_fields=["username"])
