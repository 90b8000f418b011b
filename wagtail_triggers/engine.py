"""The engine: events → enrollments → due letters.

``tick(now)`` is one pass: process pending events, run the time-based scans, claim the
enrollments whose next letter is due (creating its Delivery row), then send queued
deliveries. Every step is safe with many workers ticking at once: the database constraints
and row claims decide who does what, never the number of schedulers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from . import conf
from .choices import EventOutcome
from .coupons import redeem_coupons
from .dispatch import send_queued
from .events import VISIT_EVENTS, EventKind, answer_doorbell, ring
from .goals import goal_reached, goal_reason
from .models import Contact, Delivery, Enrollment, Event, Scenario, Step
from .payloads import CUSTOMER_FIELDS
from .scenarios.registry import registry
from .ticktime import TickReport
from .tracking import attribute_order

logger = logging.getLogger(__name__)


# -- events ---------------------------------------------------------------------------------


def _resolve_contact(event: Event) -> Contact:
    """Create or update the event's contact: details, user link and activity stamps."""
    contact, _created = Contact.objects.select_for_update().get_or_create(
        email=event.email, defaults={"created_at": event.occurred_at}
    )
    changed: set[str] = set()
    details = event.data.get("customer") or {}
    for name, value in details.items() if isinstance(details, dict) else ():
        # Only the documented details, never email, user, counters or ids (intake checks too).
        if name not in CUSTOMER_FIELDS or not isinstance(value, str) or len(value) > CUSTOMER_FIELDS[name]:
            continue
        if value and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.add(name)
    if event.customer_id and contact.customer_id != event.customer_id:
        contact.customer_id = event.customer_id
        changed.add("customer_id")
    if contact.user_id is None:
        user = get_user_model()._default_manager.filter(email__iexact=event.email).only("pk").first()
        if user:
            contact.user = user
            changed.add("user")
    when = event.occurred_at
    if event.kind in VISIT_EVENTS and (contact.last_seen_at is None or when > contact.last_seen_at):
        contact.last_seen_at = when
        changed.add("last_seen_at")
    if event.kind == EventKind.ORDER_COMPLETED:
        contact.orders_count += 1
        changed.add("orders_count")
        if contact.last_order_at is None or when > contact.last_order_at:
            contact.last_order_at = when
            changed.add("last_order_at")
    if changed & {"last_seen_at", "last_order_at"}:
        contact.refresh_activity()
        changed.add("last_activity_at")
    if changed:
        contact.save(update_fields=sorted(changed))
    return contact


def _is_duplicate(event: Event) -> bool:
    """An order event repeated without an idempotency key (same order, same kind)."""
    if event.kind not in (EventKind.ORDER_COMPLETED, EventKind.ORDER_CANCELLED) or not event.subject_id:
        return False
    return (
        Event.objects.filter(
            kind=event.kind,
            email=event.email,
            subject_id=event.subject_id,
            processed_at__isnull=False,
        )
        .exclude(pk=event.pk)
        .exclude(duplicate=True)
        .exists()
    )


def process_event(event: Event, report: TickReport) -> None:
    if _is_duplicate(event):
        event.duplicate = True
        return
    contact = _resolve_contact(event)
    event.contact = contact
    if event.kind == EventKind.ORDER_COMPLETED:
        attribute_order(
            contact=contact,
            order_id=event.subject_id,
            total=event.data.get("total", "0"),
            currency=event.data.get("currency", ""),
            occurred_at=event.occurred_at,
        )
        redeem_coupons(event.data.get("coupon_codes") or (), order_id=event.subject_id, at=event.occurred_at)
    # Chains of a scenario whose kind is missing wait untouched (marked on every tick).
    running = contact.enrollments.filter(state=Enrollment.State.ACTIVE, scenario__kind__in=_registered_kinds())
    for enrollment in running.select_related("scenario", "contact"):
        with isolated(enrollment.scenario, report, f"event {event.pk}", event=event):
            if goal := goal_reached(enrollment):  # the goal that matched, not this event's kind
                enrollment.finish(Enrollment.State.GOAL, goal_reason(goal), now=event.occurred_at)
                report.add(EventOutcome.STOPPED)
    for scenario in Scenario.objects.enabled().filter(kind__in=[k.kind for k in _kinds_for(event.kind)]):
        if scenario.enabled_at and event.occurred_at < scenario.enabled_at:
            continue  # never mail people for events from before the scenario was switched on
        with isolated(scenario, report, f"event {event.pk}", event=event):
            if contact.is_suppressed(scenario.pk, transactional=scenario.is_transactional, now=event.occurred_at):
                continue
            outcome = scenario.kind_class.on_event(scenario, contact, event)
            if outcome:
                report.add(EventOutcome(outcome).value)


def _registered_kinds() -> list[str]:
    return [kind.kind for kind in registry]


def _kinds_for(event_kind: str):
    return registry.triggered_by(event_kind)


def process_pending_events(
    now: datetime | None = None, *, limit: int | None = None, report: TickReport | None = None
) -> int:
    """Process recorded events (up to ``now``) in order; each in its own transaction."""
    now = now or timezone.now()
    report = report or TickReport(now)
    limit = limit or conf.get("TRIGGERS_TICK_BATCH_SIZE") * 5
    ids = list(
        Event.objects.filter(processed_at__isnull=True, occurred_at__lte=now)
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            event = _lock(Event.objects.filter(pk=pk, processed_at__isnull=True)).first()
            if event is None:
                continue  # another worker has it
            try:
                with transaction.atomic():
                    process_event(event, report)
            except Exception as exc:  # a poison event must not block the queue forever
                logger.exception("Processing event %s failed", pk)
                event.error = f"{type(exc).__name__}: {exc}"[:2000]
                event.contact = None  # it may have been created in the rolled-back transaction
            event.processed_at = timezone.now()
            event.save(update_fields=["processed_at", "contact", "error", "duplicate"])
            done += 1
    report.add("events", done)
    return done


def _lock(queryset):
    """Row claim: FOR UPDATE SKIP LOCKED where the database has it (PostgreSQL)."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


# -- one broken scenario never stops the others -------------------------------------------------


@contextmanager
def isolated(scenario: Scenario, report: TickReport, what: str, *, event: Event | None = None) -> Iterator[None]:
    """Run one scenario's part of the work in a savepoint: if it raises, roll back that part,
    log it, mark the scenario (shown in the admin) and the event, and let the caller go on."""
    try:
        with transaction.atomic():
            yield
    except Exception as exc:
        logger.exception("Scenario %s (%s) failed on %s", scenario.pk, scenario.kind, what)
        scenario.mark_error(f"{what}: {type(exc).__name__}: {exc}")
        report.add("scenario_errors")
        if event is not None:  # the event went on for the other scenarios; say what failed
            failure = f"scenario {scenario.pk} ({scenario.kind}): {type(exc).__name__}: {exc}"
            event.error = (f"{event.error}; {failure}" if event.error else failure)[:2000]


MISSING_KIND = "the scenario kind {kind!r} is not registered (was its app removed?)"


def _error_is_over(scenario: Scenario) -> bool:
    """A clean scan ends a scan or missing-kind error at once; an error from one event or one
    letter stays on show for a day (it may only happen now and then)."""
    if not scenario.last_error:
        return False
    if scenario.last_error.startswith(("scan:", MISSING_KIND.split("{", 1)[0])):
        return True
    return scenario.last_error_at is None or scenario.last_error_at < timezone.now() - timedelta(days=1)


def runnable_scenarios(report: TickReport) -> list[Scenario]:
    """Enabled scenarios whose kind is registered; the others are marked and left alone (their
    chains and queued letters wait, untouched, until the kind is back or the scenario is off)."""
    runnable = []
    for scenario in Scenario.objects.enabled():
        if scenario.kind in registry:
            runnable.append(scenario)
            continue
        message = MISSING_KIND.format(kind=scenario.kind)
        if scenario.last_error != message:
            logger.error("Scenario %s: %s", scenario.pk, message)
        scenario.mark_error(message)
        report.add("scenario_errors")
    return runnable


# -- scans and claims -------------------------------------------------------------------------


def run_scans(now: datetime, report: TickReport) -> None:
    """Time-based enrolment, each scan one set-based pass. Each scan itself leaves out the contacts a
    longer enabled absence wants (so the longest matching one wins in any order); longer first
    still puts a contact in its chain in the same tick."""
    scenarios = sorted(runnable_scenarios(report), key=lambda s: (-s.kind_class.scan_rank, s.priority))
    for scenario in scenarios:
        failures = report.counts.get("scenario_errors", 0)
        with isolated(scenario, report, "scan"):
            report.add(EventOutcome.ENROLLED, scenario.kind_class.scan(scenario, now))
        if report.counts.get("scenario_errors", 0) == failures and _error_is_over(scenario):
            scenario.clear_error()


def _steps_by_scenario() -> dict[int, list[Step]]:
    steps: dict[int, list[Step]] = {}
    for step in Step.objects.filter(enabled=True, scenario__enabled=True).order_by("scenario_id", "position"):
        steps.setdefault(step.scenario_id, []).append(step)
    return steps


class Claim(NamedTuple):
    """What a due enrollment at ``position`` gets: ``step``'s letter, then ``following`` (or the end)."""

    position: int
    step: Step
    following: Step | None


def claim_due(now: datetime, report: TickReport, *, limit: int | None = None) -> int:
    """Create the Delivery of every due enrollment and move the enrollment to its next step.

    In bulk, in one transaction: the due rows are locked (``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL, so workers claim different rows), their deliveries are inserted with one
    ``bulk_create`` and the enrollments move on with one UPDATE per (step, next step) — a
    constant number of queries however many rows are due. A step that already has its delivery
    (another worker claimed it: the unique constraint decided) is not inserted again and does not
    move its enrollment. Returns how many due enrollments this call took (0: nothing is due).
    """
    limit = limit or conf.get("TRIGGERS_TICK_BATCH_SIZE")
    steps = _steps_by_scenario()
    with transaction.atomic():
        due = list(
            _lock(
                Enrollment.objects.filter(
                    state=Enrollment.State.ACTIVE,
                    next_run_at__lte=now,
                    scenario__enabled=True,
                    scenario__kind__in=[kind.kind for kind in registry],  # a broken scenario's chains wait
                ).order_by("next_run_at", "pk")
            ).values_list("pk", "scenario_id", "contact_id", "next_position", "next_run_at")[:limit]
        )
        if not due:
            return 0
        finished: list[int] = []
        claims: dict[int, Claim] = {}
        deliveries: list[Delivery] = []
        for pk, scenario_id, contact_id, position, due_at in due:
            chain = [s for s in steps.get(scenario_id, []) if s.position >= position]
            if not chain:
                finished.append(pk)
                continue
            claims[pk] = Claim(position, chain[0], chain[1] if len(chain) > 1 else None)
            deliveries.append(
                Delivery(
                    enrollment_id=pk,
                    position=chain[0].position,
                    step=chain[0],
                    scenario_id=scenario_id,
                    contact_id=contact_id,
                    due_at=due_at,
                    not_before=now,
                    template_key=chain[0].template_key,
                )
            )
        if finished:
            Enrollment.objects.filter(pk__in=finished).end(Enrollment.State.COMPLETED, "no more letters", now)
        claimed = _insert_claims(claims, deliveries)
        _advance(claimed, claims, now)
    report.add("claimed", len(claimed))
    return len(due)


def _insert_claims(claims: dict[int, Claim], deliveries: list[Delivery]) -> list[int]:
    """Insert the deliveries of steps nobody claimed yet; the enrollments whose claim is ours.

    The rows are locked by this transaction (PostgreSQL), and only a claim inserts deliveries,
    so a step's delivery found here was committed by an earlier claim; ``ignore_conflicts``
    keeps the unique constraint the last word where rows cannot be locked (SQLite).
    """
    taken = set(
        Delivery.objects.filter(enrollment_id__in=list(claims)).values_list("enrollment_id", "position").iterator()
    )
    new = [d for d in deliveries if (d.enrollment_id, d.position) not in taken]
    Delivery.objects.bulk_create(new, ignore_conflicts=True)
    return [d.enrollment_id for d in new]


def _advance(claimed: list[int], claims: dict[int, Claim], now: datetime) -> None:
    """Move the claimed enrollments on: one UPDATE per (position, step, next step), compare-and-set
    on the position they were at, so an enrollment moved meanwhile is never moved twice."""
    groups: dict[Claim, list[int]] = {}
    for pk in claimed:
        groups.setdefault(claims[pk], []).append(pk)
    for claim, pks in groups.items():
        rows = Enrollment.objects.filter(pk__in=pks, state=Enrollment.State.ACTIVE, next_position=claim.position)
        if claim.following:
            rows.update(next_position=claim.following.position, next_run_at=now + claim.following.delay)
        elif rows.update(next_position=claim.step.position + 1):  # the last letter: the chain completes
            Enrollment.objects.filter(
                pk__in=pks, state=Enrollment.State.ACTIVE, next_position=claim.step.position + 1
            ).end(Enrollment.State.COMPLETED, "", now)


# -- the tick, the doorbell and the drain ----------------------------------------------------------

#: Counters of send_queued that mean a letter was settled (its row left the queue for good).
SETTLED = ("sent", "skipped", "failed", "unknown")
#: Counters of send_queued that mean a letter was looked at (settled, moved later, or left).
HANDLED = (*SETTLED, "postponed", "left")


def _total(report: TickReport, names: tuple[str, ...]) -> int:
    return sum(report.counts.get(name, 0) for name in names)


def drain(now: datetime, report: TickReport) -> bool:
    """Claim and send batch after batch (``TRIGGERS_TICK_BATCH_SIZE`` each) until nothing is due,
    the mail server settles nothing (down, or every letter postponed) or the time budget is spent.

    Returns True when it stopped with work left because of the budget; it has then rung the
    doorbell, so the next run continues at once instead of on the next scheduled tick.
    """
    batch = conf.get("TRIGGERS_TICK_BATCH_SIZE")
    while True:
        taken = claim_due(now, report, limit=batch)
        settled, handled, left = _total(report, SETTLED), _total(report, HANDLED), report.counts.get("left", 0)
        send_queued(now, report, limit=batch)
        settled, handled = _total(report, SETTLED) - settled, _total(report, HANDLED) - handled
        more = taken >= batch or handled >= batch
        if report.counts.get("left", 0) > left or (more and report.clock.spent()):
            logger.info("The time budget is spent with letters due; the doorbell rings for the next run.")
            ring()
            return True
        if not more or not settled:
            return False


def process_events(now: datetime, report: TickReport) -> bool:
    """Process recorded events batch after batch until none is left or the budget is spent;
    True (and the doorbell rung) when events are left for the next run."""
    limit = conf.get("TRIGGERS_TICK_BATCH_SIZE") * 5
    while process_pending_events(now, limit=limit, report=report) >= limit:
        if report.clock.spent():
            ring()
            return True
    return False


def tick(now: datetime | None = None) -> TickReport:
    """One engine pass at ``now`` (default: the current time): the phases in order."""
    now = now or timezone.now()
    report = TickReport(now)
    process_events(now, report)
    run_scans(now, report)
    drain(now, report)
    return report


def doorbell(now: datetime | None = None) -> TickReport:
    """The pass the doorbell rings (``record_event`` after commit, or a run out of time): the new
    events, then the letters they made due, so a 0-delay step goes out now rather than on the
    next tick. The time-based scans are left to the scheduled tick."""
    answer_doorbell()  # first: an event recorded from now on rings again
    now = now or timezone.now()
    report = TickReport(now)
    if not process_events(now, report):
        drain(now, report)
    return report
