"""Signals of the moves app."""

from django.dispatch import Signal

# A move was submitted: sent inside the transaction that stores it, with ``move``. A receiver
# that fails undoes the submission (the monthly counts of agencies are kept this way).
move_submitted = Signal()
