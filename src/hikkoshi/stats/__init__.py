"""Usage statistics (利用統計): counts of events per day (and per hour for today and yesterday),
kept without personal data.

Anything may call ``counting.count(event, **dims)``: it only adds to a buffer in this process
(thread-safe, bounded) and never raises; a thread of the process (and the worker's periodic job)
writes the buffer in batches, in its own short transaction, and keeps it when the tables cannot be
written. A row holds an event name, a few non-personal dimensions (``DIMENSIONS``: codes and slugs,
never a name, an address, a postcode, an e-mail, an IP, a user or a move), a ``simulated`` flag and
a count. ``HIKKOSHI_STATS = False`` switches counting off. ``selectors`` is what other apps read.
"""
