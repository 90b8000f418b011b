"""Signals a shop sends; each ends in :func:`wagtail_triggers.record_event`.

Every signal takes ``email`` and optionally ``customer_id``, ``customer`` (a dict with
``first_name``, ``last_name``, ``language``, ``time_zone`` and nothing else: an event may never
set a contact's email, user, counters or ids), ``occurred_at`` and ``key``
(an idempotency key). The cart and order signals also take ``cart`` / ``order`` data in the
shape documented in ``docs/events.md``::

    from wagtail_triggers import signals

    signals.cart_updated.send(sender=Basket, email=basket.owner.email, cart={...})
    signals.order_completed.send(sender=Order, email=order.email, order={..., "cart_id": ...})

A malformed payload raises :class:`wagtail_triggers.InvalidEvent` in the sender, so a
programming error shows up in the shop's tests instead of silently losing letters.
"""

from __future__ import annotations

from django.dispatch import Signal

cart_updated = Signal()
order_completed = Signal()
order_cancelled = Signal()
customer_registered = Signal()
customer_seen = Signal()
