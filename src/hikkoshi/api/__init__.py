"""The HTTP API ``/api/v1/`` (django-ninja): one ``NinjaAPI``, each app adds its own router.

Errors are RFC 9457 problem details (``application/problem+json``, made by ``hikkoshi.web``) in the
request's language.
"""
