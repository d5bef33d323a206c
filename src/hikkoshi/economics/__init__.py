"""Business model (ビジネスモデル): can a moving portal pay for itself?

The 2006 demonstration studied the balance of the Sapporo portal alone and inside a regional
information portal (開発費用・運用経費・収入項目・単年度収支・開発費用回収見込み) and the cost
model of agencies sharing the proxy service (代行ASP). Here an operator keeps *scenarios* in the
admin — cost lines, income lines and usage figures, each number with its source or marked as an
assumption (仮定) — and reads their single-year balance, cost per move, break-even volume, years
to pay back development and a ±20 % sensitivity table, as tables, SVG charts, CSV and PDF.

``model`` holds the arithmetic (pure Python, no Django); ``usage`` turns a scenario's entered
figures or the statistics of a period (``hikkoshi.stats``, when installed) into a year's usage.
"""
