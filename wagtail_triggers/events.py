"""Intake: the one public entry point for shop events.

``record_event`` validates, then stores the event with a single INSERT and rings the queue's
doorbell when the transaction commits. Enrolment, rendering and sending happen in the queue.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .payloads import InvalidPayload, normalize_cart, normalize_customer, normalize_order

logger = logging.getLogger(__name__)


class EventKind(models.TextChoices):
    CART_UPDATED = "cart_updated"
    ORDER_COMPLETED = "order_completed"
    ORDER_CANCELLED = "order_cancelled"
    CUSTOMER_REGISTERED = "customer_registered"
    CUSTOMER_SEEN = "customer_seen"


ORDER_KINDS = {EventKind.ORDER_COMPLETED, EventKind.ORDER_CANCELLED}
VISIT_EVENTS = {EventKind.CUSTOMER_SEEN, EventKind.CUSTOMER_REGISTERED, EventKind.CART_UPDATED}
ACTIVITY_EVENTS = VISIT_EVENTS | {EventKind.ORDER_COMPLETED}  # what ends an absence


class InvalidEvent(InvalidPayload):
    """The event was refused; ``errors`` lists every problem. Nothing was stored."""


def normalize_email(email: Any) -> str:
    if not isinstance(email, str):
        raise InvalidEvent([_("email is required")])
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidEvent([_("%(email)r is not a valid email address") % {"email": email}]) from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def _with_id(data: Any, subject_id: str | None) -> Any:
    if isinstance(data, dict) and subject_id and not data.get("id"):
        return {**data, "id": subject_id}
    return data


def _validate(
    kind: str, data: dict[str, Any] | None, subject_id: str | None, customer: dict[str, Any] | None
) -> tuple[dict[str, Any], str, str]:
    """Return (normalised data, subject id, cart id) or raise InvalidEvent."""
    if kind not in EventKind.values:
        raise InvalidEvent(
            [
                _("unknown event kind %(kind)r; expected one of %(kinds)s")
                % {"kind": kind, "kinds": ", ".join(EventKind.values)}
            ]
        )
    try:
        extra = {"customer": normalize_customer(customer)} if customer else {}
        if kind == EventKind.CART_UPDATED:
            cart = normalize_cart(_with_id(data, subject_id))
            return {**cart, **extra}, cart["id"], cart["id"]
        if kind in ORDER_KINDS:
            order = normalize_order(_with_id(data, subject_id))
            return {**order, **extra}, order["id"], order["cart_id"]
    except InvalidPayload as exc:
        raise InvalidEvent(exc.errors) from None
    if data is not None and not isinstance(data, dict):
        raise InvalidEvent([_("data must be an object")])
    return {**(data or {}), **extra}, str(subject_id or ""), ""


def record_event(
    kind: str,
    *,
    email: str,
    customer_id: str | int | None = None,
    subject_id: str | int | None = None,
    data: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    key: str | None = None,
) -> Any:
    """Record one shop event and return the stored :class:`~wagtail_triggers.models.Event`.

    ``data`` is the cart (for ``cart_updated``) or the order (for ``order_*``) in the shape
    documented in ``docs/events.md``; ``customer`` may carry ``first_name``, ``last_name``,
    ``language`` and ``time_zone``. An event whose ``key`` was recorded before is not stored
    again: the earlier event is returned. Raises :class:`InvalidEvent` on malformed input.
    """
    from .models import Event

    if occurred_at is None:
        occurred_at = timezone.now()
    elif timezone.is_naive(occurred_at):
        raise InvalidEvent([_("occurred_at must be timezone-aware")])
    if key is not None and (not isinstance(key, str) or not key or len(key) > 255):
        raise InvalidEvent([_("key must be a non-empty string of at most 255 characters")])
    address = normalize_email(email)
    payload, subject, cart_id = _validate(kind, data, None if subject_id is None else str(subject_id), customer)
    event = Event(
        kind=kind,
        email=address,
        customer_id="" if customer_id is None else str(customer_id)[:255],
        subject_id=subject[:255],
        cart_id=cart_id[:255],
        data=payload,
        occurred_at=occurred_at,
        key=key,
    )
    from .privacy import is_erased  # data rights: a forgotten person is not stored again

    if is_erased(address):
        logger.info("A %s event for a forgotten address was ignored (not stored).", kind)
        event.error = "ignored: the address was forgotten"
        return event  # unsaved (pk None): nothing is stored, nobody is mailed
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        if key is None:
            raise
        return Event.objects.get(key=key)
    if conf.get("TRIGGERS_ENQUEUE_EVENTS"):
        transaction.on_commit(lambda: _ring(event.pk))
    return event


def _ring(event_id: int) -> None:
    """Tell the queue to look now. Losing this only delays the event until the next tick."""
    try:
        from django_q.tasks import async_task

        async_task(
            "wagtail_triggers.tasks.process_pending_events",
            task_name=f"wagtail_triggers.event.{event_id}",
        )
    except Exception:  # the broker being down must never break the shop's request
        logger.warning("Could not enqueue event %s; the next tick will process it.", event_id, exc_info=True)
