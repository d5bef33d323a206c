"""What the delivery app tells the apps above it (which it never imports)."""

from django.dispatch import Signal

# The outcome of an attempt to hand an application over was recorded (a ``DeliveryEvent``:
# delivered 送達, to be tried again, or failed for good): sent inside the transaction that
# recorded it, with ``kind`` (a ``DeliveryEvent.Kind`` value), ``channel`` (the channel the
# attempt used), ``organisation`` (the receiving organisation's slug), ``code`` (why it was not
# delivered, or "") and ``pages`` (a delivered fax's page count, else None). Codes and slugs
# only, as the worker knew them (the organisation is read only for an attempt that never got as
# far as building the application, and for the sweeper's) — for the usage statistics.
delivery_recorded = Signal()

# Whether a procedure counts as withdrawn (取下げ) may have changed without a change of its status
# or a request of the mover: its withdrawal notice ended without reaching the organisation (failed,
# refused, not needed — its application never delivered, or handled by staff another way) or was
# sent again by staff. Sent inside the transaction that changed it, with ``entry_id`` (the
# ``MoveProcedure``'s id) — for the notifications, whose summary (すべての手続きの結果) may be due.
withdrawal_changed = Signal()
