"""Receivers connecting :mod:`wagtail_triggers.signals` to :func:`record_event`."""

from __future__ import annotations

from typing import Any

from . import signals
from .events import EventKind, record_event

_OPTIONAL = ("customer_id", "customer", "occurred_at", "key")


def _options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: kwargs[name] for name in _OPTIONAL if kwargs.get(name) is not None}


def on_cart_updated(sender: Any, *, email: str, cart: dict[str, Any], **kwargs: Any) -> Any:
    return record_event(EventKind.CART_UPDATED, email=email, data=cart, **_options(kwargs))


def on_order_completed(sender: Any, *, email: str, order: dict[str, Any], **kwargs: Any) -> Any:
    return record_event(EventKind.ORDER_COMPLETED, email=email, data=order, **_options(kwargs))


def on_order_cancelled(sender: Any, *, email: str, order: dict[str, Any], **kwargs: Any) -> Any:
    return record_event(EventKind.ORDER_CANCELLED, email=email, data=order, **_options(kwargs))


def on_customer_registered(sender: Any, *, email: str, **kwargs: Any) -> Any:
    return record_event(EventKind.CUSTOMER_REGISTERED, email=email, **_options(kwargs))


def on_customer_seen(sender: Any, *, email: str, **kwargs: Any) -> Any:
    return record_event(EventKind.CUSTOMER_SEEN, email=email, **_options(kwargs))


def connect() -> None:
    uid = "wagtail_triggers.receivers"
    signals.cart_updated.connect(on_cart_updated, dispatch_uid=f"{uid}.cart_updated")
    signals.order_completed.connect(on_order_completed, dispatch_uid=f"{uid}.order_completed")
    signals.order_cancelled.connect(on_order_cancelled, dispatch_uid=f"{uid}.order_cancelled")
    signals.customer_registered.connect(on_customer_registered, dispatch_uid=f"{uid}.customer_registered")
    signals.customer_seen.connect(on_customer_seen, dispatch_uid=f"{uid}.customer_seen")
