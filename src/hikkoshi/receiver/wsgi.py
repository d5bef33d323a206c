"""WSGI entry point of the receiver (gunicorn ``hikkoshi.receiver.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.receiver")
application = get_wsgi_application()

# Applications older than their organisation keeps them are deleted on a timer in each worker.
from django.conf import settings  # noqa: E402

from hikkoshi.receiver.services import start_purging, start_sending  # noqa: E402

start_purging(settings.RECEIVER["purge_interval"])
# Status updates (処理状況) the portal has not acknowledged yet are sent again on a timer.
start_sending(settings.RECEIVER["send_interval"])
