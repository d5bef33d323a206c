"""``hikkoshi token create --user EMAIL [--name NAME]``: a bearer token for an API client."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from hikkoshi.accounts.access import is_staff_member
from hikkoshi.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Create a bearer token for an API client; it is printed once and stored only as a digest."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user")
        create.add_argument("--user", required=True, help="the user's e-mail address")
        create.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, action, user, name, **options):
        users = get_user_model().objects.filter(email__iexact=user, is_active=True)
        if users.count() != 1:
            raise CommandError(_("No single active user has the e-mail address %(email)s.") % {"email": user})
        if is_staff_member(users.get()):
            # A staff token needs the second factor used when it is made: the account page.
            raise CommandError(_("Staff make their API tokens on their account page, after using their second factor."))
        _token, secret = ApiToken.issue(users.get(), name=name)
        self.stdout.write(secret)
