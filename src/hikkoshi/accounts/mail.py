"""Mail for the local demo: to the SMTP sink when one listens, else into files.

``hikkoshi smtpsink`` keeps every mail and shows it on a web page; a newcomer who has not
started it still gets the sign-up and password-reset mails, as ``.log`` files in the mailer's
``file_path`` (``var/mail/``), instead of an error page. Configured in ``settings/dev.py``::

    MAILERS = {"default": {"BACKEND": "hikkoshi.accounts.mail.SinkOrFileBackend",
                           "OPTIONS": {"host": "127.0.0.1", "port": 8025, "file_path": "var/mail"}}}
"""

import logging

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

logger = logging.getLogger(__name__)


class SinkOrFileBackend(SmtpBackend):
    def __init__(self, *args, file_path, **kwargs):
        kwargs.setdefault("timeout", 5)
        super().__init__(*args, **kwargs)
        self.file_path = file_path

    def send_messages(self, email_messages):
        try:
            return super().send_messages(email_messages)
        except OSError:  # nothing listening (connection refused), or the sink went away
            # (No addresses in the log: only how many mails and where they went.)
            logger.warning(
                "No SMTP server on %s:%s; %d mail(s) written to %s instead",
                self.host,
                self.port,
                len(email_messages),
                self.file_path,
            )
            return FileBackend(alias=self.alias, file_path=self.file_path).send_messages(email_messages)
