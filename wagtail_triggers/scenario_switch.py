"""Switching a scenario on and off: the flag on the row, and the chains it starts or stops.

The model only stores the flag (:meth:`Scenario.set_enabled`); switching off is a service
because it also ends the scenario's running chains and skips its queued letters at once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .choices import StopReason
from .models import Enrollment, Scenario


def enable(scenario: Scenario, *, now: datetime | None = None) -> None:
    """Switch on; events from before ``now`` never start the chain."""
    scenario.set_enabled(True, now=now)


def disable(scenario: Scenario, *, now: datetime | None = None) -> int:
    """Switch off and stop every running chain and queued letter of the scenario now.

    Returns how many running chains were stopped.
    """
    now = now or timezone.now()
    with transaction.atomic():
        scenario.set_enabled(False)
        return Enrollment.objects.filter(scenario=scenario).stop(StopReason.SCENARIO_DISABLED, now)
