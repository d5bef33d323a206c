"""Delivery (申請の送付): the outbox that hands each procedure of a submitted move to its organisation.

Owns ``Delivery`` (one per procedure of a move: channel, status, attempts, idempotency key,
receipt), its append-only ``DeliveryEvent``s (codes and ids, no personal data) and ``Notice``
(a withdrawal, 取下げ, or a correction, 訂正, of an application). Workers (``django.tasks``) send
each by its channel — web (signed JSON, RFC 9421), e-mail or fax — with one retry policy for
all, and record the outcome; a window procedure (窓口) is printed and taken to the counter by
the mover, so nothing is sent. A sweeper takes over deliveries whose worker was lost.
"""
