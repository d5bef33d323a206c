"""WSGI entry point of the receiver (gunicorn ``hikkoshi.receiver.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.receiver")
application = get_wsgi_application()
