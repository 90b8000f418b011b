"""django-q2 tasks and the app's schedule.

The queue is a doorbell, not the ledger: a task only says "look now". Every task here is
safe to run twice or not at all; the next scheduled tick finds whatever a lost task left.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "wagtail_triggers.tick"


def tick() -> str:
    """The scheduled engine pass (every minute)."""
    # Import-time cost: ready() imports this module for the schedule; the engine (and with it
    # rendering and mail) loads in the worker that runs the task, not in every process.
    from .engine import tick as run_tick

    return str(run_tick())


def process_pending_events() -> str:
    """The doorbell (rung by ``record_event`` after commit, or by a run out of time): process the
    new events, then claim and send what became due, within the time budget."""
    from .engine import doorbell  # import-time cost, as in tick()

    return str(doorbell())


def register_schedule(**kwargs: Any) -> None:
    """Create or update the one-minute tick schedule (by name: ``schedule()`` would raise)."""
    from django.db import DEFAULT_DB_ALIAS
    from django_q.models import Schedule

    if kwargs.get("using", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        return
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "wagtail_triggers.tasks.tick",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
    # Data rights: the daily retention purge (wagtail_triggers.retention).
    Schedule.objects.update_or_create(
        name="wagtail_triggers.purge",
        defaults={"func": "wagtail_triggers.retention.purge_task", "schedule_type": Schedule.DAILY, "repeats": -1},
    )
