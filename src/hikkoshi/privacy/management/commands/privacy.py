"""``hikkoshi privacy erase``: erase the personal data of moves past their retention time.

``hikkoshi worker`` does this about once an hour; run this from cron where no worker runs, or
to erase at once. Safe to run anywhere, any number of times (a move is erased and counted once).
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from hikkoshi.privacy.services import erase_expired


class Command(BaseCommand):
    help = "Privacy tasks: `erase` erases the personal data of moves past the retention time."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("erase", help="erase the personal data of moves past the retention time")

    def handle(self, *args, action, **options):
        erased = erase_expired()
        self.stdout.write(
            f"Erased the personal data of {erased} move(s) "
            f"(retention: {settings.HIKKOSHI_RETENTION_DAYS} days after every delivery is final)."
        )
