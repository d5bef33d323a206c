"""``hikkoshi manage notification_bounce < message``: one returned mail, piped in by the MTA.

The MTA delivers what comes back to ``HIKKOSHI_BOUNCE_ADDRESS`` (``bounces+<token>@…``) to this
command on its standard input, as Mailman's bounce handling is set up (an alias line; the README
says how). It reads the RFC 3464 delivery-status report (``notifications.bounces``) and records
it; a mail it cannot read is kept for the administrator. It exits 0 in both cases (a non-zero
status would have the MTA return the bounce, or try it again for days); 75 (EX_TEMPFAIL: "try
again later") only when the database cannot be reached, so the MTA keeps the mail and retries.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from hikkoshi.notifications.bounces import read_bounce

EX_TEMPFAIL = 75
# A bounce quotes at most the returned mail; anything larger is not read whole.
MAX_BYTES = 10 * 1024 * 1024


class Command(BaseCommand):
    help = "Read one returned mail (a delivery-status report) from standard input and record it."

    def handle(self, *args: Any, **options: Any) -> None:
        raw = sys.stdin.buffer.read(MAX_BYTES)
        try:
            outcome = read_bounce(raw)
        except DatabaseError:
            self.stderr.write("notification_bounce: the database is not reachable; try again later")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(outcome)
