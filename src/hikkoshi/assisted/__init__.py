"""Assisted moves (代行申請): call centres and estate agencies that enter moves for other people.

Owns ``CallCentre`` and its ``Operator``s (コールセンター), ``Agency`` with its ``Store``s and
``AgencyMember``s (不動産会社: managers and staff), ``AssistedMove`` (whose move it is, who
entered it, the customer's contact, encrypted, and the record of their consent: 同意の記録) and
``BillingCount`` (moves per agency, store and month for billing, no personal data). Its pages
under ``/callcentre/`` and ``/agency/`` take a customer's consent, run the wizard for them, list
the moves of a centre, store or agency, manage an agency's staff and show its monthly counts.
"""
