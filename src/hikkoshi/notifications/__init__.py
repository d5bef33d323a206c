"""Notifications to the mover (通知・リマインド・お知らせ).

What the mover hears about their move without coming back to look: 受付完了 when it is
submitted, a mail when an application needs them (failed for good, 不備あり, 受付不可), a summary
once every procedure is final, and reminders before each deadline (転入届 within 14 days of
moving…) and before the moving day. Each is a ``Notification`` row with a unique key, made in
the transaction of what caused it (``receivers``: ``moves.signals``, and a withdrawal's notice
closed or sent again: ``delivery.signals.withdrawal_changed``) and mailed by the workers
(``tasks``), exactly once per key; the same messages are the mover's inbox (お知らせ).

Layer: above moves, delivery and assisted (it reads them), below accounts and privacy (privacy
erases its rows; the account page links to its pages and 私のデータ exports its rows). It imports
neither: a page of its own holds the settings, so the account page need not know its form.
"""
