"""Catalogue (手続きカタログ): procedures as data.

A procedure (手続き) names its organisation, the kinds of move it applies to (転居 / 転出 / 転入),
the conditions under which it applies, its own fields (a schema that validates pages and API and
renders forms alike), its channel (web / e-mail / fax / window) with settings, its deadline rule
and, for window procedures, what to bring and where to go. Every change makes a new version; an
application keeps the version it was made with.
"""
