"""Catalogue (手続きカタログ): procedures as data.

Owns ``Procedure`` (手続き: its organisation, the kinds of move it applies to — 転居 / 転出 /
転入 — the conditions under which it applies, its own fields as a schema that validates pages
and API and renders forms alike, its channel with settings, its deadline rule and, for window
procedures, what to bring and where to go) and ``ProcedureVersion``: every change makes a new
version, and an application keeps the version it was made with. Edited in the admin, shipped as
fixtures per region (``hikkoshi catalogue import|export``).
"""
