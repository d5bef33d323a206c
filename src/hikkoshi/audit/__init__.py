"""Audit log (監査ログ): who viewed, changed, printed, exported or erased which move, and when.

Owns ``AuditEvent``: append-only (the model refuses changes and deletion, and on PostgreSQL a
trigger does too), holding ids, the client's address and short codes — never names or what was
typed. ``services.record`` is what the other apps call to write an event; administrators read
and search the log in the admin.
"""
