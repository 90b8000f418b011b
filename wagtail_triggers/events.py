"""Intake: the one public entry point for shop events.

``record_event`` validates, then stores the event with a single INSERT and rings the queue's
doorbell when the transaction commits. Enrolment, rendering and sending happen in the queue.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from . import conf
from .addresses import normalize_email
from .models import Event
from .payloads import (
    InvalidEvent,
    InvalidPayload,
    normalize_cart,
    normalize_customer,
    normalize_free_data,
    normalize_order,
    normalize_text,
    text_problem,
)
from .privacy import is_erased

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


def _identifier(value: Any, name: str, errors: list[str]) -> str:
    """An id from the shop (a string or an integer), refused rather than cut when too long."""
    if value is None:
        return ""
    return normalize_text(value, name, errors, limit=255)


def _moment(value: Any, errors: list[str]) -> datetime:
    """``occurred_at``: an aware datetime, or an ISO-8601 string with an offset; default now."""
    if value is None:
        return timezone.now()
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip()) if len(value) < 64 and not text_problem(value) else None
        except ValueError:
            parsed = None
        if parsed is None:
            errors.append(_("occurred_at %(value)r is not an ISO-8601 date and time") % {"value": value[:64]})
            return timezone.now()
        value = parsed
    if not isinstance(value, datetime):
        errors.append(_("occurred_at must be a timezone-aware datetime, not %(type)s") % {"type": type(value).__name__})
        return timezone.now()
    if timezone.is_naive(value):
        errors.append(_("occurred_at must be timezone-aware"))
    return value


def _key(key: Any, errors: list[str]) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key or len(key) > 255 or text_problem(key):
        errors.append(_("key must be a non-empty string of at most 255 characters"))
        return None
    return key


def _with_id(data: Any, subject_id: str | None) -> Any:
    if isinstance(data, dict) and subject_id and not data.get("id"):
        return {**data, "id": subject_id}
    return data


def _customer_details(customer: Any, data: Any) -> dict[str, str]:
    """The ``customer=`` details, merged over any ``data["customer"]`` — both whitelisted."""
    embedded = data.get("customer") if isinstance(data, dict) else None
    details = normalize_customer(embedded, "data.customer") if embedded is not None else {}
    return {**details, **normalize_customer(customer)}


def _validate(
    kind: str, data: dict[str, Any] | None, subject_id: str, customer: dict[str, Any] | None
) -> tuple[dict[str, Any], str, str]:
    """Return (normalised data, subject id, cart id) or raise InvalidEvent."""
    if not isinstance(kind, str) or kind not in EventKind.values:
        raise InvalidEvent(
            [
                _("unknown event kind %(kind)r; expected one of %(kinds)s")
                % {"kind": str(kind)[:60], "kinds": ", ".join(EventKind.values)}
            ]
        )
    try:
        if kind == EventKind.CART_UPDATED:
            cart = normalize_cart(_with_id(data, subject_id))
            details = normalize_customer(customer)
            return {**cart, **({"customer": details} if details else {})}, cart["id"], cart["id"]
        if kind in ORDER_KINDS:
            order = normalize_order(_with_id(data, subject_id))
            details = normalize_customer(customer)
            return {**order, **({"customer": details} if details else {})}, order["id"], order["cart_id"]
        free = normalize_free_data(data)
        details = _customer_details(customer, free)
    except InvalidPayload as exc:
        raise InvalidEvent(exc.errors) from None
    free = {name: value for name, value in free.items() if name != "customer"}
    return {**free, **({"customer": details} if details else {})}, subject_id, ""


def record_event(
    kind: str,
    *,
    email: str,
    customer_id: str | int | None = None,
    subject_id: str | int | None = None,
    data: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    occurred_at: datetime | str | None = None,
    key: str | None = None,
) -> Any:
    """Record one shop event and return the stored :class:`~wagtail_triggers.models.Event`.

    ``data`` is the cart (for ``cart_updated``) or the order (for ``order_*``) in the shape
    documented in ``docs/events.md``; ``customer`` may carry ``first_name``, ``last_name``,
    ``language`` and ``time_zone`` — nothing else. An event whose ``key`` was recorded before
    is not stored again: the earlier event is returned. Raises :class:`InvalidEvent` on
    malformed input, so every value that reaches the database fits its column.
    """
    errors: list[str] = []
    moment = _moment(occurred_at, errors)
    idempotency_key = _key(key, errors)
    shop_customer_id = _identifier(customer_id, "customer_id", errors)
    subject = _identifier(subject_id, "subject_id", errors)
    try:
        address = normalize_email(email)
    except InvalidEvent as exc:
        errors.extend(exc.errors)
    try:
        payload, subject, cart_id = _validate(kind, data, subject, customer)
    except InvalidEvent as exc:
        errors.extend(exc.errors)
    if errors:
        raise InvalidEvent(errors)
    event = Event(
        kind=kind,
        email=address,
        customer_id=shop_customer_id,
        subject_id=subject,
        cart_id=cart_id,
        data=payload,
        occurred_at=moment,
        key=idempotency_key,
    )
    if is_erased(address):  # data rights: a forgotten person is not stored again
        logger.info("A %s event for a forgotten address was ignored (not stored).", kind)
        event.error = "ignored: the address was forgotten"
        return event  # unsaved (pk None): nothing is stored, nobody is mailed
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        if idempotency_key is None:
            raise
        return Event.objects.get(key=idempotency_key)
    if conf.get("TRIGGERS_ENQUEUE_EVENTS"):
        transaction.on_commit(lambda: _ring(event.pk))
    return event


def last_cart_report(cart_id: str) -> tuple[str, bool] | None:
    """The address a cart was last reported under, and whether that report had lines.

    For adapters whose shop forgets who a cart belongs to (a guest's basket merged at login,
    a line moved to another basket): they re-report the cart under the same address without
    keeping a copy of what they sent. Reads the stored events, so it is only as old as
    ``TRIGGERS_RETAIN_EVENTS`` allows.
    """
    row = (
        Event.objects.filter(kind=EventKind.CART_UPDATED, cart_id=str(cart_id))
        .order_by("-pk")
        .values_list("email", "data")
        .first()
    )
    return None if row is None else (row[0], bool((row[1] or {}).get("lines")))


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
