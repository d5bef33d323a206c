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
