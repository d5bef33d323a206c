"""Federation of moving portals (ポータル間連携): other hikkoshi portals and the portals that
speak their own formats (引越れんらく帳, 関西引越し手続きサービス), linked so that a mover leaving
one region finds the organisations of the next and carries their data across, with consent.

Owns the pinned peers (their ids, keys, allowed areas, adapter), the signed common interface
``/federation/v1/`` and ``/.well-known/hikkoshi-portal``, the common moving data set
(共通データセット, built on the Digital Agency's GIF) with its mapping, the adapters for portals
that do not speak it, and the record of each transfer to or from a peer (個人情報保護法 Art. 29/30).
It sits above ``accounts`` (a hand-over signs the mover in) and below ``privacy`` (which erases a
move's hand-overs through this app's erase service).
"""
