"""Has a chain's goal been reached? Asked by the engine on every event, by sending right before
each letter, and by switching a scenario on (chains started for past events)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db.models import BigIntegerField, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from .choices import StopReason
from .events import EventKind
from .models import Enrollment, Event

# Stop reasons of chains ended by their goal: "goal: <the kind of the event that matched>".
GOAL_PREFIX = "goal: "

# What the customer did, as the admin says it ("Goal reached: placed an order").
GOAL_LABELS = {
    EventKind.ORDER_COMPLETED: _("placed an order"),
    EventKind.ORDER_CANCELLED: _("cancelled the order"),
    EventKind.CART_UPDATED: _("came back to the cart"),
    EventKind.CUSTOMER_REGISTERED: _("registered"),
    EventKind.CUSTOMER_SEEN: _("visited the shop"),
}


def goal_events(enrollment: Enrollment) -> QuerySet[Event] | None:
    """The events that end this chain (the contact's, since it started); None: no goal."""
    condition = enrollment.scenario.kind_class.goal_q(enrollment)
    if condition is None:
        return None
    return Event.objects.filter(condition, email=enrollment.contact.email, occurred_at__gte=enrollment.started_at)


def goal_reached(enrollment: Enrollment) -> str | None:
    """The kind of the first event that ended this chain (e.g. ``"order_completed"``), or None.

    Truthy exactly when the goal is reached, so ``if goal_reached(enrollment):`` reads as before;
    :func:`goal_reason` turns the answer into the chain's stop reason.
    """
    events = goal_events(enrollment)
    if events is None:
        return None
    return events.order_by("occurred_at", "pk").values_list("kind", flat=True).first()


# SQLite allows 500 terms in one compound SELECT; stay well below it.
UNION_CHUNK = 100


def goals_reached(events: Mapping[int, QuerySet[Event]]) -> dict[int, str]:
    """For a batch of chains (enrollment id → :func:`goal_events`), the ones whose goal was
    reached, each with the kind of its first matching event; one query per 100 chains."""
    reached: dict[int, tuple[datetime, int, str]] = {}
    items = list(events.items())
    for start in range(0, len(items), UNION_CHUNK):
        parts = [
            queryset.annotate(goal_of=Value(pk, output_field=BigIntegerField()))
            .order_by()
            .values_list("goal_of", "occurred_at", "pk", "kind")
            for pk, queryset in items[start : start + UNION_CHUNK]
        ]
        query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for enrollment_id, occurred_at, event_pk, kind in query:
            first = reached.get(enrollment_id)
            if first is None or (occurred_at, event_pk) < first[:2]:
                reached[enrollment_id] = (occurred_at, event_pk, kind)
    return {enrollment_id: kind for enrollment_id, (_, _, kind) in reached.items()}


def goal_reason(event_kind: str) -> str:
    """The stop reason recorded for a chain whose goal an event of ``event_kind`` reached."""
    return f"{GOAL_PREFIX}{event_kind}"


def is_goal_reason(reason: str) -> bool:
    """Does this stop reason say the goal was reached (by a named event or in general)?"""
    return reason.startswith(GOAL_PREFIX) or reason == StopReason.GOAL_REACHED


def goal_label(reason: str) -> str | None:
    """What the customer did, in words, for a ``goal: <event kind>`` reason; None for others."""
    if not reason.startswith(GOAL_PREFIX):
        return None
    kind = reason.removeprefix(GOAL_PREFIX)
    return str(GOAL_LABELS.get(kind, kind))
