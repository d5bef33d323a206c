"""``hikkoshi receiver``: what an organisation runs to accept the portal's web channel.

It verifies the portal's signature on each application (RFC 9421), stores the application once
per ``Idempotency-Key``, answers with a receipt signed with the organisation's own key and its
reference number (受付番号), and shows its staff what arrived (a list, each application, CSV).
It is a Django project of its own (``hikkoshi.settings.receiver``) and shares only shared
libraries with the portal (``hikkoshi.httpsig`` for the signatures, ``hikkoshi.serving`` for
gunicorn), none of the portal's apps.
"""
