"""Documents (書類): the PDFs a move produces, and its deadlines as iCalendar.

Owns no models: it renders from ``data.MoveRecord``, plain data the ``moves`` app builds from a
stored move, and never reads other apps' models. The official form of each window procedure
(住民異動届, pre-filled, with a signed QR code for a counter's 書かない窓口 system and a page on
what to bring and where to go), 申請結果, 申請控え, the 申込書 sent by e-mail or fax with its
cover sheet, 取下げ・訂正 notices, a call centre's mailing, an agency customer's consent sheet
(同意書), and the deadlines as an .ics file.
"""
