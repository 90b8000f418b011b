"""Switching scenarios on and off from the admin, with an audit-log entry for each switch.

Switching on stamps ``enabled_at``: the engine ignores every event from before that moment, so
a shop owner never mails people about old carts by accident. Only when the owner asks for it
(``since=``) are the trigger events from that moment on replayed into the chain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log

from .. import scenario_switch
from ..choices import StopReason
from ..goals import goal_reached
from ..models import Enrollment, Event, Scenario

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SwitchResult:
    changed: bool
    started: int = 0  # chains started for past events (switching on with ``since``)
    stopped: int = 0  # chains stopped (switching off)


def switch_on(
    scenario: Scenario, *, user=None, since: datetime | None = None, now: datetime | None = None
) -> SwitchResult:
    """Switch on. With ``since``, events from ``since`` on also start the chain."""
    now = now or timezone.now()
    if scenario.enabled:
        return SwitchResult(changed=False)
    since = min(since, now) if since else None
    with transaction.atomic():
        scenario_switch.enable(scenario, now=since or now)
        started = replay_events(scenario, since, now) if since else 0
        log(
            scenario,
            "wagtail_triggers.enable",
            user=user,
            data={"since": since.isoformat() if since else None, "started": started},
        )
    return SwitchResult(changed=True, started=started)


def switch_off(scenario: Scenario, *, user=None) -> SwitchResult:
    """Switch off: no new enrolments, and every pending letter of the scenario is stopped now."""
    if not scenario.enabled:
        return SwitchResult(changed=False)
    with transaction.atomic():
        stopped = scenario_switch.disable(scenario)
        log(scenario, "wagtail_triggers.disable", user=user, data={"stopped": stopped})
    return SwitchResult(changed=True, stopped=stopped)


def replay_events(scenario: Scenario, since: datetime, now: datetime) -> int:
    """Feed trigger events already processed (while the scenario was off) to the scenario.

    Events not processed yet need nothing: the engine handles them, as they are later than
    the new ``enabled_at``. A subject (cart, order) that ever had a chain in this scenario is
    left alone, so switching off and on again never repeats letters.
    """
    kind = scenario.kind_class
    if not kind.trigger_events:
        return 0  # time-based kinds (wake-up chains) look at the contacts' state, not at events
    known = set(scenario.enrollments.values_list("contact_id", "subject_id"))
    last_pk = scenario.enrollments.order_by("-pk").values_list("pk", flat=True).first() or 0
    events = (
        Event.objects.filter(
            kind__in=kind.trigger_events,
            occurred_at__gte=since,
            occurred_at__lte=now,
            processed_at__isnull=False,
            contact__isnull=False,
            error="",
        )
        .select_related("contact", "contact__user")
        .order_by("occurred_at", "pk")
    )
    for event in events.iterator():
        contact = event.contact
        if (contact.pk, event.subject_id) in known or contact.is_suppressed(scenario.pk):
            continue
        try:
            with transaction.atomic():
                kind.on_event(scenario, contact, event)
        except Exception:  # one odd event must not stop the switch
            logger.exception("Replaying event %s into scenario %s failed", event.pk, scenario.pk)
    started = 0
    for enrollment in scenario.enrollments.filter(pk__gt=last_pk, state=Enrollment.State.ACTIVE).select_related(
        "scenario", "contact"
    ):
        if goal_reached(enrollment):  # e.g. the cart was ordered meanwhile: no reminder
            enrollment.finish(Enrollment.State.GOAL, StopReason.GOAL_BEFORE_SWITCH_ON, now=now)
        else:
            started += 1
    return started
