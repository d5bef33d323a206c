"""Signals of the moves app: how a move's life reaches the apps above it.

moves imports none of them (they rank above it); each connects its receivers in its own
``AppConfig.ready()``. A receiver that raises undoes what the sender was doing (they are sent
with ``send``, inside the sender's transaction, never ``send_robust``).
"""

from django.dispatch import Signal

# A move was submitted: sent inside the transaction that stores it, with ``move`` and
# ``procedures`` (its ``MoveProcedure`` rows, each with its version and its initial status,
# ``moves.services.initial_status``). What the receivers write commits with the move or not at
# all: the outbox of the delivery app (one delivery per procedure, so a crash cannot lose
# one) and the monthly counts and name search terms of ``hikkoshi.assisted``.
move_submitted = Signal()

# The mover withdraws (取下げ) some procedures of a submitted move: ``move``, ``procedures`` (those
# that can still be changed, ``moves.notices.why_not_changeable``), ``user``, ``request_key``
# (the mover's form: the same request twice is one withdrawal). Receivers return what they made
# of it (the delivery app: its notices), collected by ``moves.lifecycle.move_withdraw``.
move_withdrawn = Signal()

# The mover corrected (訂正) a submitted move: sent inside the transaction that stored the new
# values, with ``move``, ``changes`` (a list of (entry, [changed paths]) — ``applicant.phone``,
# ``fields.start_date``: names only), ``user`` and ``request_key``.
move_corrected = Signal()

# Moves are about to be deleted (by their owner, or with the owner's account): sent inside the
# deleting transaction, before the rows go, with ``move_ids``. For what an app keeps of them
# outside the database (the delivery app: fax images in a spool folder), to be removed once
# the deletion commits.
moves_deleting = Signal()

# The personal data of a move were erased after the retention time (``moves.lifecycle.move_erase``,
# called by ``hikkoshi.privacy``): sent inside the erasing transaction, with ``move_id``. For what
# an app above keeps of the move and erases with it (the stats app: the survey answer's comment).
move_erased = Signal()

# A procedure's status changed (``moves.models.ProcedureStatus``): sent inside the transaction
# that stores the change, with ``procedure`` (the ``MoveProcedure``, its new status stored and
# on it; its move read by ``procedure.move`` when a receiver needs it, in that transaction: most
# changes — a delivery, a receipt — need none), ``old_status``, ``new_status`` and ``message``
# (the organisation's words to the mover, or ""). Sent when an application is delivered, fails
# for good or is handled by staff another way — these announcements of the delivery app also
# carry ``withdrawing``: whether a withdrawal (取下げ) of the procedure was ever asked for — and
# when an organisation answers (処理状況: received, processing, done, 不備あり, 受付不可). For an
# answer (``moves.answers.answer_record``), ``old_status`` and ``new_status`` are
# ``moves.constants.AnswerStatus`` values ("" before the first answer; "received",
# "processing", "action_needed" = 不備あり, "done", "refused" = 受付不可), none of which is a
# ``ProcedureStatus`` value. The notifications (通知) turn it into mails and お知らせ. Receivers
# must not call other systems: they record, and what they record is sent by the workers once
# the transaction commits.
procedure_status_changed = Signal()
