"""Privacy (個人情報の保護): personal data kept no longer than needed, and encrypted at rest.

Owns ``MoveStatistic``: the anonymous counts (匿名の集計) that are all that stays of a move after
erasure. ``services.erase_expired`` erases the personal data of moves whose retention time
(保存期間) has passed; ``hikkoshi keys`` makes and rotates the data keys (鍵の更新) and
re-encrypts every encrypted field, second-factor secrets included.
"""
