"""Intake: the one public entry point for shop events.

``record_event`` validates, then stores the event with a single INSERT and rings the queue's
doorbell when the transaction commits. Enrolment, rendering and sending happen in the queue.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, connections, models, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from . import conf
from .addresses import address_digests, normalize_email
from .models import ErasedAddress, Event
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
from .ticktime import seconds

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
    stored = _store(event)
    if stored is None:  # data rights: a forgotten person is not stored again
        logger.info("A %s event for a forgotten address was ignored (not stored).", kind)
        event.error = "ignored: the address was forgotten"
        return event  # unsaved (pk None): nothing is stored, nobody is mailed
    if conf.get("TRIGGERS_ENQUEUE_EVENTS"):
        transaction.on_commit(ring, using=router.db_for_write(Event))
    return stored


def _store(event: Event) -> Event | None:
    """Insert ``event`` unless its address was forgotten; an event whose key was recorded
    before is not stored again (the earlier one is returned). None: the address is forgotten.

    One statement where the database can return ids from ``INSERT … SELECT`` (PostgreSQL,
    SQLite ≥ 3.35): the erased-address check and the key conflict are part of the INSERT, so
    the shop's request pays one round trip and no savepoint. Elsewhere: a lookup, then a save.
    """
    alias = router.db_for_write(Event)
    connection = connections[alias]
    digests = address_digests(event.email)
    if connection.vendor not in ("postgresql", "sqlite") or not connection.features.can_return_columns_from_insert:
        if ErasedAddress.objects.using(alias).filter(digest__in=digests).exists():
            return None
        return _save_or_earlier(event, alias)
    fields = [field for field in Event._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    # PostgreSQL types the values of a SELECT list itself: cast each to its column's type.
    typed = connection.vendor == "postgresql"
    values = ", ".join(f"CAST(%s AS {field.cast_db_type(connection)})" if typed else "%s" for field in fields)
    erased = ErasedAddress._meta
    sql = (
        f"INSERT INTO {quote(Event._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM {quote(erased.db_table)} "
        f"WHERE {quote(erased.get_field('digest').column)} IN ({', '.join(['%s'] * len(digests))})) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(Event._meta.pk.column)}"
    )
    params = [field.get_db_prep_save(field.pre_save(event, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *digests])
        row = cursor.fetchone()
    if row is not None:
        event.pk = row[0]
        event._state.adding, event._state.db = False, alias
        return event
    if event.key is not None:  # nothing inserted: the key was recorded before, or the address forgotten
        earlier = Event.objects.using(alias).filter(key=event.key).first()
        if earlier is not None and not ErasedAddress.objects.using(alias).filter(digest__in=digests).exists():
            return earlier
    return None


def _save_or_earlier(event: Event, alias: str) -> Event:
    """The portable path: a save in a savepoint, the earlier event when its key is taken."""
    try:
        with transaction.atomic(using=alias):
            event.save(force_insert=True, using=alias)
    except IntegrityError:
        if event.key is None:
            raise
        return Event.objects.using(alias).get(key=event.key)
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


# -- the doorbell ---------------------------------------------------------------------------

DOORBELL_KEY = "wagtail_triggers:doorbell"
DOORBELL_TASK = "wagtail_triggers.tasks.process_pending_events"


def doorbell_cache():
    """``TRIGGERS_DOORBELL_CACHE``, else the cache django-q2 uses (``Q_CLUSTER["cache"]``)."""
    alias = conf.get("TRIGGERS_DOORBELL_CACHE") or (getattr(settings, "Q_CLUSTER", None) or {}).get("cache")
    return caches[alias or "default"]


def ring() -> bool:
    """Ask the queue to process events and send what they make due, now — unless a doorbell task
    is already waiting: a burst of events queues one task, not one each.

    "Waiting" is a cache key added atomically (``cache.add``) when a task is queued and deleted
    by the task as it starts (:func:`answer_doorbell`), so an event recorded while a task runs
    rings again. The key expires after ``TRIGGERS_DOORBELL_TTL``, so a lost task (a broker
    restart) silences the doorbell no longer than that; the scheduled tick finds whatever it left.
    Returns whether a task was queued. Never raises: the shop's request must not break.
    Silent when ``TRIGGERS_ENQUEUE_EVENTS`` is off (no django-q2 cluster: cron runs the ticks).
    """
    if not conf.get("TRIGGERS_ENQUEUE_EVENTS"):
        return False
    cache = doorbell_cache()
    try:
        ttl = seconds(conf.get("TRIGGERS_DOORBELL_TTL"))
        if not cache.add(DOORBELL_KEY, timezone.now().isoformat(), timeout=ttl):
            return False  # a task is waiting; it will see this event
    except Exception:  # no cache: ring anyway, a task too many is harmless
        logger.warning("The doorbell's cache is unavailable; ringing anyway.", exc_info=True)
    try:
        from django_q.tasks import async_task  # the broker is only loaded by a process that rings

        async_task(DOORBELL_TASK, task_name="wagtail_triggers.doorbell")
    except Exception:  # the broker being down must never break the shop's request
        logger.warning("Could not ring the doorbell; the next tick will process the events.", exc_info=True)
        _forget_ring(cache)
        return False
    return True


def answer_doorbell() -> None:
    """Called by the doorbell task before it reads anything: later events ring again."""
    _forget_ring(doorbell_cache())


def _forget_ring(cache) -> None:
    try:
        cache.delete(DOORBELL_KEY)
    except Exception:  # the key expires on its own
        logger.warning("Could not reset the doorbell's cache key.", exc_info=True)
