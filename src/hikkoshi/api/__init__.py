"""The HTTP API ``/api/v1/`` (django-ninja): one ``NinjaAPI``, each app adds its own router.

Owns no models: it assembles the routers of places, directory, catalogue and moves. Errors are
RFC 9457 problem details (``application/problem+json``, made by ``hikkoshi.web``) in the request's language; its
middleware keeps sessions and messages, which concern pages only, off the API's paths.
"""
