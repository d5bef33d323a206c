"""``hikkoshi receiver``: what an organisation runs to accept the portal's web channel.

A Django project of its own (``hikkoshi.settings.receiver``, its own database and users); of
the portal's code it uses only shared libraries (``hikkoshi.httpsig`` for the signatures of
requests and receipts, RFC 9421; ``hikkoshi.serving`` for gunicorn), none of its apps. Owns
``Application`` and ``Notice`` (受信した申請 and its withdrawals or corrections, each stored once
per ``Idempotency-Key``), ``SeenNonce`` (replays refused), ``Counter`` (reference numbers,
受付番号), ``StaffOrganisation``, ``StaffSecondFactor`` (the staff's TOTP secret, ``totp``) and
``OrganisationSetting`` (how long an organisation keeps applications). It answers with a receipt
signed with the organisation's key and shows its staff what arrived (a list, each application,
CSV), after a sign-in with password and authenticator code. Applications are encrypted at rest
(``hikkoshi.encryption``, the receiver's own data keys) and purged after their retention time.
"""
