"""``hikkoshi smtpsink [--smtp-port 8025] [--web-port 8402] [--dir DIR]``: the demo's mail sink.

An SMTP server on 127.0.0.1 that keeps every mail (also those for the e-mail-to-fax gateway) as
an ``.eml`` file in DIR (default ``<data dir>/smtpsink``) and a web page listing them, faxes shown
page by page. Point ``HIKKOSHI_SMTP_HOST``/``_PORT`` at it (the defaults already do). Ctrl-C stops.
"""

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hikkoshi.delivery.sandbox.smtpsink import HOST, SmtpSink


class Command(BaseCommand):
    help = "Run a local SMTP sink with a web page of the mails it received (for the demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--smtp-port", type=int, default=8025, help="SMTP port on 127.0.0.1 (default 8025)")
        parser.add_argument("--web-port", type=int, default=8402, help="web page port on 127.0.0.1 (default 8402)")
        parser.add_argument(
            "--dir",
            default=str(settings.DATA_DIR / "smtpsink"),
            help="folder for the received mails (default <data dir>/smtpsink)",
        )

    def handle(self, *args: Any, smtp_port: int, web_port: int, dir: str, **options: Any) -> None:  # noqa: A002
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter
        stop = threading.Event()
        # A service manager's SIGTERM and Ctrl-C's SIGINT end it the same way: the main thread
        # wakes and stops the sink (a KeyboardInterrupt could land anywhere, even in a lock).
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        try:
            sink = SmtpSink(dir, smtp_port=smtp_port, web_port=web_port).start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {HOST}: {exc}") from exc
        self.stdout.write(
            f"hikkoshi smtpsink: SMTP on {HOST}:{sink.smtp_port}, mails in {dir}\n"
            f"メール受信箱 / received mail: {sink.web_url}   (Ctrl-C to stop)"
        )
        try:
            while not stop.wait(0.5):
                pass
        finally:
            sink.stop()
