"""Portal (ポータル): the public pages — top with news (お知らせ), provider search, city and ward
office contacts, and the information pages (about, service flow, terms, usage notes, privacy,
contact, operators). Japanese first, English selectable on every page.

Owns ``News``, edited in the admin. Also the commands that run the site: ``hikkoshi serve``
(gunicorn, with an access log that leaves out postal codes and query strings) and
``hikkoshi demo``.
"""
