"""Accounts (アカウント): signing in, second factors and the account pages.

Owns no tables of its own: users are Django's, e-mail addresses and authenticators (TOTP,
passkeys, recovery codes) django-allauth's. It sets up allauth (sign-up with a verified e-mail
address, lockouts, browsers signed in before: 既知のブラウザ), makes staff use a second factor
(二要素認証) on every staff page (``access``, ``middleware``), and serves the account
pages: the account, deleting it, and 「私のデータ」, everything kept about a mover as JSON.
"""
