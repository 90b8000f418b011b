"""Retention: personal data is kept only as long as the settings say, then purged daily.

- Events older than ``TRIGGERS_RETAIN_EVENTS`` are deleted, except unprocessed ones and those
  of contacts still in a running chain (goals are looked up in their events).
- Deliveries older than ``TRIGGERS_RETAIN_DELIVERIES`` are *anonymised*, not deleted: the
  reports count them, so only the address, subject, errors and ids go; finished chains of
  that age lose their context snapshot (the cart, the names).
- Tracking rows (opens, clicks) older than ``TRIGGERS_RETAIN_TRACKING`` are deleted; the
  counters on the delivery (first opened, clicks) that the reports read stay.

``None`` switches a rule off. Run by the ``wagtail_triggers.purge`` django-q2 schedule and by
``manage.py triggers_purge``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import conf
from .models import Delivery, Enrollment, Event, TrackingEvent

SCHEDULE_NAME = "wagtail_triggers.purge"
TABLES = ("events", "deliveries", "snapshots", "tracking")
BATCH = 1000


def retention(name: str) -> timedelta | None:
    """A retention setting as a timedelta (an int means days); None: keep forever."""
    value = conf.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, timedelta)):
        raise TypeError(f"{name} must be a timedelta, a number of days or None, not {value!r}")
    return timedelta(days=value) if isinstance(value, int) else value


def _querysets(now: datetime) -> dict[str, Any]:
    """What each rule would purge now, as querysets (nothing is changed here)."""
    found: dict[str, Any] = {}
    running = Enrollment.objects.filter(state=Enrollment.State.ACTIVE)
    if (keep := retention("TRIGGERS_RETAIN_EVENTS")) is not None:
        cutoff = now - keep
        found["events"] = (
            Event.objects.filter(processed_at__isnull=False, processed_at__lt=cutoff, occurred_at__lt=cutoff)
            .exclude(contact_id__in=running.values("contact_id"))
            .exclude(email__in=running.values("contact__email"))
        )
    if (keep := retention("TRIGGERS_RETAIN_DELIVERIES")) is not None:
        cutoff = now - keep
        found["deliveries"] = (
            Delivery.objects.filter(Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, due_at__lt=cutoff))
            .exclude(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])
            .exclude(enrollment__state=Enrollment.State.ACTIVE)
            .exclude(to_email="", subject="", error="", message_id="", esp_message_id="", coupon_code="")
        )
        found["snapshots"] = (
            Enrollment.objects.exclude(state=Enrollment.State.ACTIVE)
            .filter(finished_at__lt=cutoff)
            .exclude(snapshot={})
        )
    if (keep := retention("TRIGGERS_RETAIN_TRACKING")) is not None:
        found["tracking"] = TrackingEvent.objects.filter(occurred_at__lt=now - keep)
    return found


def purge(now: datetime | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Apply the retention rules; returns how many rows each rule deleted or anonymised."""
    now = now or timezone.now()
    counts = dict.fromkeys(TABLES, 0)
    with transaction.atomic():
        for name, rows in _querysets(now).items():
            if dry_run:
                counts[name] = rows.count()
            elif name in ("events", "tracking"):
                counts[name] = rows.delete()[1].get(rows.model._meta.label, 0)
            elif name == "deliveries":
                counts[name] = _update_in_batches(
                    rows, to_email="", subject="", error="", message_id="", esp_message_id="", coupon_code=""
                )
            else:
                counts[name] = _update_in_batches(rows, snapshot={})
    return counts


def _update_in_batches(rows: Any, **values: Any) -> int:
    """Update the rows a thousand at a time (an UPDATE … WHERE pk IN keeps locks short)."""
    total = 0
    while pks := list(rows.values_list("pk", flat=True)[:BATCH]):
        updated = rows.model.objects.filter(pk__in=pks).update(**values)
        total += updated
        if not updated:
            break
    return total


def purge_task() -> str:
    """The daily django-q2 task."""
    counts = purge()
    return " ".join(f"{name}={count}" for name, count in counts.items())
