"""Has a chain's goal been reached? Asked by the engine on every event, by sending right before
each letter, and by switching a scenario on (chains started for past events)."""

from __future__ import annotations

from .models import Enrollment, Event


def goal_reached(enrollment: Enrollment) -> bool:
    """Has an event ended this chain? Asked on every event and again right before a letter."""
    condition = enrollment.scenario.kind_class.goal_q(enrollment)
    if condition is None:
        return False
    return Event.objects.filter(
        condition, email=enrollment.contact.email, occurred_at__gte=enrollment.started_at
    ).exists()
