"""Documents (書類): the PDFs a move produces, and its deadlines as iCalendar.

- The official form of each window procedure (住民異動届 for 転入 / 転居 / 転出), pre-filled, laid out
  like the paper form with its seal box (印), with a signed QR code of its data for a counter's
  書かない窓口 system, followed by a page saying what to bring, where to go and when it is open.
- 申請結果 (the result: every procedure, its organisation, channel, status, reference, deadline)
  and 申請控え (the applicant's copy of everything entered).
- The deadlines as an iCalendar file.

Documents are rendered from ``data.MoveRecord``, plain data that the ``moves`` app builds from a
stored move, so this app never reads models of other apps.
"""
