"""No models of its own: users are Django's, e-mail addresses and authenticators allauth's.

(The module exists so that ``post_migrate`` is sent for this app: see ``apps.py``.)
"""
