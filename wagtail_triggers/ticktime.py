"""Real time inside a tick: the time budget, the moment a letter really went out, and the
report of what the tick did (shared by the engine's phases and sending).

A tick may run "at" another moment (``triggers_tick --now`` time-travels), but leases are
about the wall clock: ``claimed_at`` is always ``timezone.now()``. A letter's ``sent_at`` is the
tick's moment plus the real time spent so far, which is the wall clock when nobody travels and
keeps time-travelled chains (frequency caps, reports) consistent when somebody does.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from . import conf

DEFAULT_BUDGET = 45.0  # seconds; well below django-q2's usual 60 s task timeout
SHARE_OF_TIMEOUT = 0.75  # when Q_CLUSTER's timeout is short, leave a quarter of it as margin


def seconds(value: Any) -> float:
    """A setting given as a timedelta or a number of seconds."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value or 0)


def q_cluster_timeout() -> float | None:
    timeout = (getattr(settings, "Q_CLUSTER", None) or {}).get("timeout")
    return float(timeout) if timeout else None


def budget_seconds() -> float:
    """``TRIGGERS_TICK_TIME_BUDGET``, else 45 s but never more than 3/4 of the task timeout."""
    value = conf.get("TRIGGERS_TICK_TIME_BUDGET")
    if value is not None:
        return seconds(value)
    timeout = q_cluster_timeout()
    return min(DEFAULT_BUDGET, SHARE_OF_TIMEOUT * timeout) if timeout else DEFAULT_BUDGET


class TickClock:
    """Started with the tick: how much real time is left, and what time it is in the tick."""

    def __init__(self, now: datetime, budget: float | None = None) -> None:
        self.now = now
        self.started = time.monotonic()
        self.budget = budget_seconds() if budget is None else budget

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def spent(self) -> bool:
        """Stop claiming new work: the task must end before django-q2 kills it."""
        return self.elapsed() >= self.budget

    def moment(self) -> datetime:
        return self.now + timedelta(seconds=self.elapsed())


@dataclass
class TickReport:
    """What one engine pass did (printed by ``triggers_tick``), and its real-time budget."""

    now: datetime
    counts: Counter = field(default_factory=Counter)
    clock: TickClock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.clock = TickClock(self.now)

    def add(self, name: str, value: int = 1) -> None:
        if value:
            self.counts[name] += value

    def __str__(self) -> str:
        names = (
            "events",
            "enrolled",
            "refreshed",
            "stopped",
            "claimed",
            "sent",
            "skipped",
            "postponed",
            "failed",
            "unknown",
        )
        line = " ".join(f"{name}={self.counts.get(name, 0)}" for name in names)
        # Only when they happened: letters left for the next tick, bounces, broken scenarios.
        extra = " ".join(
            f"{name}={self.counts[name]}" for name in ("left", "bounced", "scenario_errors") if self.counts.get(name)
        )
        return f"{line} {extra}" if extra else line
