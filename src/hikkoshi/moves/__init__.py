"""Moves (引越し申請): a mover's one-stop application (ワンストップ入力).

Owns ``Move`` (common data entered once — applicant, household members, old and new address,
move date — encrypted at rest, with its 申請番号), ``MoveProcedure`` (each chosen procedure with
its own fields, status, period and reference) and ``ApiToken``. The wizard and the API validate
a move whole and store it whole or not at all (a draft keeps what was typed between pages);
the result page shows each procedure's status, and the mover withdraws (取下げ) or corrects
(訂正) what was sent. ``access`` decides who may see which move.
"""
