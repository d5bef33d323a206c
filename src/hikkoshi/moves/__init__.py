"""Moves (引越し申請): a mover's one-stop application (ワンストップ入力).

Common data is entered once — applicant, household members moving along, old and new address,
move date — and each chosen procedure gets only its own fields. A move is validated whole and
stored whole or not at all; a draft keeps what the mover typed between pages.
"""
