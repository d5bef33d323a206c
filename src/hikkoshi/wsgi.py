"""WSGI entry point (gunicorn ``hikkoshi.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hikkoshi.settings.dev")
application = get_wsgi_application()
