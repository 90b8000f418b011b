"""Receivers: :mod:`wagtail_triggers.signals` to :func:`record_event`, and the contact's
deletion to the privacy service (connected once, in the app's ``ready()``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete

from . import signals
from .addresses import PLACEHOLDER_EMAIL, address_digests
from .events import EventKind, record_event
from .models import Contact, ErasedAddress
from .models.contacts import forget_requested
from .privacy import forget_contact

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


def forget_deleted_contact(sender: type[Contact], *, email: str, **kwargs: Any) -> None:
    """``Contact.delete`` forgets the person (:func:`~wagtail_triggers.privacy.forget_contact`)."""
    forget_contact(email)


def keep_hash_of_deleted(sender: type[Contact], instance: Contact, **kwargs: Any) -> None:
    """Bulk deletes (``Contact.objects.filter(...).delete()``) skip ``Contact.delete``: keep the
    address's hash anyway, so no deleted contact is mailed again by their next event."""
    if instance.email and instance.email != PLACEHOLDER_EMAIL:
        ErasedAddress.objects.get_or_create(digest=address_digests(instance.email)[0])


def connect() -> None:
    uid = "wagtail_triggers.receivers"
    forget_requested.connect(forget_deleted_contact, sender=Contact, dispatch_uid=f"{uid}.forget_contact")
    pre_delete.connect(keep_hash_of_deleted, sender=Contact, dispatch_uid="wagtail_triggers.keep_erased_hash")
    signals.cart_updated.connect(on_cart_updated, dispatch_uid=f"{uid}.cart_updated")
    signals.order_completed.connect(on_order_completed, dispatch_uid=f"{uid}.order_completed")
    signals.order_cancelled.connect(on_order_cancelled, dispatch_uid=f"{uid}.order_cancelled")
    signals.customer_registered.connect(on_customer_registered, dispatch_uid=f"{uid}.customer_registered")
    signals.customer_seen.connect(on_customer_seen, dispatch_uid=f"{uid}.customer_seen")
