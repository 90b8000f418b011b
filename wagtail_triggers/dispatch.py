"""Sending queued deliveries, a batch at a time: claim, re-check, render, send, record.

Each batch costs a fixed number of queries, whatever its size: one statement claims it
(PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers each take their own rows; SQLite:
one compare-and-set UPDATE), one query loads it with its enrollments, contacts, scenarios and
steps, set queries re-check consent, goals and the frequency cap for all of it, and the outcomes
are written with one UPDATE per outcome. What is left per letter is rendering and SMTP.

Status changes are compare-and-set UPDATEs on the claim's lease token (``claimed_at``), so two
workers can never both send a row: QUEUED → SENDING (claimed) → SENT / SKIPPED / FAILED / back
to QUEUED (retry later) / UNKNOWN (interrupted after the whole message was written: never resent
automatically).

One letter's failure never stops the batch: a dropped connection is reopened (bounded, with
backoff), a 4xx is retried later with backoff, a 5xx fails that letter alone, and an exception
in one letter settles that letter only. See ``mail.py`` for how failures are classified.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.mail.backends.base import BaseEmailBackend
from django.db import connections, transaction
from django.db.models import Case, Count, F, Max, QuerySet, Value, When
from django.utils import timezone

from . import conf, consent
from .addresses import PLACEHOLDER_EMAIL, address_digests
from .choices import StopReason
from .compose import Composed, assign_message_ids, compose_delivery, letter_language, letter_sources
from .esp import provider_message_id
from .goals import goal_events, goal_reason, goals_reached, is_goal_reason
from .mail import MailSession, SendOutcome, SendResult
from .models import Delivery, Enrollment, ErasedAddress, Scenario, Step, Suppression
from .scenarios.registry import registry
from .ticktime import TickReport

logger = logging.getLogger(__name__)
Status = Delivery.Status

#: Letters one claim takes. Small enough that concurrent workers share the queue evenly and a
#: batch's outcomes are written soon after its letters went out; large enough that the batch's
#: fixed queries cost a fraction of a query per letter.
CLAIM_CHUNK = 50
#: Outcomes are written at least this often (seconds) while a batch goes out, so a worker killed
#: mid-batch leaves at most this much of sent letters unrecorded (``unknown`` after the lease).
FLUSH_SECONDS = 1.0
# A claimed row's result is written only by the worker holding the claim (same ``claimed_at``);
# a lease sweep may have called it "unknown" meanwhile, and the worker knows better.
HELD = (Status.SENDING, Status.UNKNOWN)


#: ``error`` of a claimed row no SMTP conversation has started for yet: a dead worker's batch
#: goes back to the queue, except the letters it had started sending.
UNTRIED = "claimed, not yet sent"


def expire_leases() -> int:
    """Rows left in SENDING by a dead worker: those it never started sending go back to the
    queue; one it had started may or may not have gone out, so it is ``unknown``, never resent.

    Leases are wall-clock time (``claimed_at`` is stamped with the real time of the claim), so a
    time-travelling tick never expires a letter another worker is sending right now.
    """
    stale = Delivery.objects.filter(
        status=Status.SENDING, claimed_at__lt=timezone.now() - conf.get("TRIGGERS_SEND_LEASE")
    )
    stale.filter(error=UNTRIED).update(status=Status.QUEUED, error="", attempts=F("attempts") - 1)
    return stale.update(status=Status.UNKNOWN, error="interrupted while sending")


def _start_sending(delivery: Delivery) -> bool:
    """Mark the one letter whose SMTP conversation starts now (one UPDATE): from here on a lease
    sweep calls it ``unknown``. False when this worker's claim has expired meanwhile."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at, status=Status.SENDING).update(error="")
    )


# -- claiming --------------------------------------------------------------------------------


def registered_scenarios() -> list[int]:
    """The scenarios whose kind is registered: the others' letters wait (see ``scenario_errors``)."""
    return list(Scenario.objects.filter(kind__in=[kind.kind for kind in registry]).values_list("pk", flat=True))


def due_queued(now: datetime, scenarios: list[int] | None = None) -> QuerySet[Delivery]:
    """Queued letters that are due, of ``scenarios`` (default: :func:`registered_scenarios`), in
    the order they go out. The scenarios are given as values, not a join: so the planner walks
    the partial index ``wt_delivery_due`` in order and stops at the batch size, with any
    statistics, instead of joining and sorting every due row."""
    scenarios = registered_scenarios() if scenarios is None else scenarios
    return Delivery.objects.filter(status=Status.QUEUED, not_before__lte=now, scenario_id__in=scenarios).order_by(
        "not_before", "pk"
    )


@dataclass(frozen=True)
class Claim:
    """The rows one worker claimed, and the claim's real time: the lease token of every row."""

    token: datetime
    ids: list[int]


def _returns_from_update(vendor: str) -> bool:
    return vendor == "postgresql" or (vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35))


def claim(
    now: datetime, limit: int, *, pks: Collection[int] | None = None, scenarios: list[int] | None = None
) -> Claim:
    """QUEUED → SENDING for up to ``limit`` due letters (of ``pks`` when given), with one statement:
    ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING id``.

    On PostgreSQL concurrent workers skip each other's locked rows, so each claims its own
    batch; on SQLite the statement is one atomic compare-and-set. Databases without ``UPDATE …
    RETURNING`` claim the selected rows by compare-and-set and read back those carrying the token.
    """
    token = timezone.now()
    scenarios = registered_scenarios() if scenarios is None else scenarios
    if not scenarios or (pks is not None and not pks):
        return Claim(token, [])
    queued = due_queued(now, scenarios)
    if pks is not None:
        queued = queued.filter(pk__in=pks)
    db = queued.db
    connection = connections[db]
    with transaction.atomic(using=db):
        due = queued.values("pk")[:limit]
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        if not _returns_from_update(connection.vendor):
            ids = [row["pk"] for row in due]
            Delivery.objects.using(db).filter(pk__in=ids, status=Status.QUEUED).update(
                status=Status.SENDING, claimed_at=token, attempts=F("attempts") + 1, error=UNTRIED
            )
            held = Delivery.objects.using(db).filter(pk__in=ids, status=Status.SENDING, claimed_at=token)
            return Claim(token, list(held.values_list("pk", flat=True)))
        select, params = due.query.get_compiler(using=db).as_sql()
        name = connection.ops.quote_name
        table, status, attempts = name(Delivery._meta.db_table), name("status"), name("attempts")
        sql = (
            f"UPDATE {table} SET {status} = %s, {name('claimed_at')} = %s, {attempts} = {attempts} + 1, "
            f"{name('error')} = %s "
            f"WHERE {status} = %s AND {name('id')} IN ({select}) RETURNING {name('id')}"
        )
        stamp = connection.ops.adapt_datetimefield_value(token)
        with connection.cursor() as cursor:
            cursor.execute(sql, [Status.SENDING.value, stamp, UNTRIED, Status.QUEUED.value, *params])
            return Claim(token, [row[0] for row in cursor.fetchall()])


def _claim(pk: int, now: datetime) -> datetime | None:
    """Claim one delivery; returns the claim's real time, the row's lease token, or None."""
    claimed = claim(now, 1, pks=[pk])
    return claimed.token if claimed.ids else None


# -- recording -------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    return value if hasattr(value, "resolve_expression") else Value(value)


def _write(token: datetime | None, status: str, rows: dict[int, dict[str, Any]]) -> int:
    """Record one outcome for claimed rows with one UPDATE: a field with the same value for every
    row is set as it is, one that differs (message ids, subjects…) through ``CASE``."""
    if not rows:
        return 0
    values: dict[str, Any] = {}
    for name in next(iter(rows.values())):
        column = [fields[name] for fields in rows.values()]
        if all(value == column[0] for value in column):
            values[name] = column[0]
        else:
            whens = (When(pk=pk, then=_value(fields[name])) for pk, fields in rows.items())
            values[name] = Case(*whens, output_field=Delivery._meta.get_field(name))
    return Delivery.objects.filter(pk__in=rows, claimed_at=token, status__in=HELD).update(status=status, **values)


def _finish(delivery: Delivery, status: str, **fields) -> bool:
    """Record this worker's result for one row (see :func:`_write`)."""
    return bool(_write(delivery.claimed_at, status, {delivery.pk: fields}))


# Test mode skips a letter but keeps the chain running for the test addresses.
KEEPS_CHAIN = frozenset({StopReason.TEST_MODE})
ENDED = (Enrollment.State.GOAL, Enrollment.State.STOPPED)


@dataclass
class _Ledger:
    """A batch's outcomes, written together: one UPDATE per outcome (and per set of fields), the
    skipped letters' chains ended per reason, the postponed ones' chains moved per delay."""

    token: datetime
    now: datetime
    rows: dict[tuple[str, tuple[str, ...]], dict[int, dict[str, Any]]] = field(default_factory=dict)
    ends: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    moves: dict[timedelta, list[int]] = field(default_factory=lambda: defaultdict(list))
    flushed: float = field(default_factory=time.monotonic)

    def add(self, delivery: Delivery, status: str, **fields: Any) -> None:
        self.rows.setdefault((status, tuple(sorted(fields))), {})[delivery.pk] = fields

    def skip(self, delivery: Delivery, reason: str) -> None:
        """Skipped: the letter's chain ends with it (as reached when the goal was, else stopped)."""
        self.add(delivery, Status.SKIPPED, reason=reason[:60], error="")
        if reason not in KEEPS_CHAIN and delivery.enrollment.state not in ENDED:
            state = Enrollment.State.GOAL if is_goal_reason(reason) else Enrollment.State.STOPPED
            self.ends[(state, reason)].append(delivery.enrollment_id)

    def postpone(self, delivery: Delivery, later: datetime) -> None:
        """Back to the queue until ``later``, the attempt not counted. Delays count from the
        previous letter: the rest of the chain moves with this one."""
        self.add(delivery, Status.QUEUED, not_before=later, attempts=F("attempts") - 1, error="")
        self.moves[later - self.now].append(delivery.enrollment_id)

    def release(self, deliveries: Iterable[Delivery]) -> None:
        """Claimed but not tried (the budget is spent, the server is gone): queued as they were."""
        for delivery in deliveries:
            self.add(delivery, Status.QUEUED, attempts=F("attempts") - 1, error="")

    def overdue(self) -> bool:
        return bool(self.rows) and time.monotonic() - self.flushed >= FLUSH_SECONDS

    def flush(self) -> None:
        self.flushed = time.monotonic()
        rows, self.rows = self.rows, {}
        for (status, _names), group in rows.items():
            written = _write(self.token, status, group)
            if written < len(group):
                logger.warning("%d of %d %s deliveries had changed meanwhile", len(group) - written, len(group), status)
        ends, self.ends = self.ends, defaultdict(list)
        for (state, reason), enrollments in ends.items():
            Enrollment.objects.filter(pk__in=enrollments).end(state, reason, self.now)
        moves, self.moves = self.moves, defaultdict(list)
        for shift, enrollments in moves.items():
            Enrollment.objects.filter(pk__in=enrollments, state=Enrollment.State.ACTIVE).exclude(
                next_run_at=None
            ).update(next_run_at=F("next_run_at") + shift)


def _retry_later(delivery: Delivery, moment: datetime, error: str, report: TickReport, ledger: _Ledger, **fields):
    """A temporary failure: back to QUEUED with doubling backoff, FAILED once the cap is reached."""
    retries = conf.get("TRIGGERS_SEND_RETRIES")
    if delivery.attempts <= retries:
        backoff = timedelta(minutes=2**delivery.attempts)
        ledger.add(delivery, Status.QUEUED, not_before=moment + backoff, error=error[:2000], **fields)
        report.add("postponed")
    else:
        error = f"gave up after {delivery.attempts} attempts; last error: {error}"
        ledger.add(delivery, Status.FAILED, error=error[:2000], **fields)
        report.add("failed")


# -- re-checking a batch ---------------------------------------------------------------------


def _load(claimed: Claim) -> list[Delivery]:
    """The claimed rows with everything a letter needs, in the order they go out (one query)."""
    rows = Delivery.objects.filter(pk__in=claimed.ids, claimed_at=claimed.token, status=Status.SENDING)
    rows = rows.select_related("enrollment", "scenario", "contact", "step", "contact__user")
    for delivery in rows:  # the kinds' checks read them through the enrollment: no query each
        delivery.enrollment.scenario, delivery.enrollment.contact = delivery.scenario, delivery.contact
    return sorted(rows, key=lambda delivery: (delivery.not_before, delivery.pk))


def _mark_erased(deliveries: list[Delivery]) -> None:
    """``Contact.is_erased`` for the batch's contacts with one query (primes the cached property)."""
    digests = {delivery.contact_id: address_digests(delivery.contact.email) for delivery in deliveries}
    found = set(
        ErasedAddress.objects.filter(digest__in={d for each in digests.values() for d in each}).values_list(
            "digest", flat=True
        )
    )
    for delivery in deliveries:
        contact = delivery.contact
        contact.__dict__["is_erased"] = contact.email == PLACEHOLDER_EMAIL or bool(found & set(digests[contact.pk]))


def _suppressed(deliveries: list[Delivery], now: datetime) -> set[int]:
    """The deliveries whose contact has a suppression that stops this scenario's letters now
    (pauses aside: a pause postpones): one query per scenario in the batch."""
    by_scenario: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_scenario[delivery.scenario_id].append(delivery)
    stopped: set[int] = set()
    for group in by_scenario.values():
        scenario = group[0].scenario
        blocking = Suppression.blocking(scenario.pk, transactional=scenario.is_transactional, now=now, pauses=False)
        contacts = set(
            Suppression.objects.filter(blocking, contact_id__in={d.contact_id for d in group}).values_list(
                "contact_id", flat=True
            )
        )
        stopped.update(delivery.pk for delivery in group if delivery.contact_id in contacts)
    return stopped


def _goals(deliveries: list[Delivery], crashed: dict[int, Exception]) -> dict[int, str]:
    """The enrollments among ``deliveries`` whose goal was reached, with the kind of the event
    that reached it (set queries for the batch; a kind whose ``goal_q`` raises fails its own
    letters, in ``crashed``)."""
    events = {}
    for delivery in deliveries:
        try:
            found = goal_events(delivery.enrollment)
        except Exception as exc:  # a kind's code: its letters fail alone
            crashed[delivery.pk] = exc
            continue
        if found is not None:
            events[delivery.enrollment_id] = found
    try:
        return goals_reached(events)
    except Exception:  # one kind's condition broke the batch query: ask each enrollment alone
        logger.exception("The batch goal check failed; checking each letter alone")
    reached = {}
    for delivery in deliveries:
        if delivery.enrollment_id in events and delivery.pk not in crashed:
            try:
                reached.update(goals_reached({delivery.enrollment_id: events[delivery.enrollment_id]}))
            except Exception as exc:
                crashed[delivery.pk] = exc
    return reached


def skip_reasons(deliveries: list[Delivery], now: datetime) -> tuple[dict[int, str], dict[int, Exception]]:
    """Re-checked right before sending, for the whole batch: scenario state, consent, chain state,
    goal, the kind's own check, test mode. Returns why letters must not go out (by delivery), and
    the exceptions a kind's code raised for its letters."""
    reasons: dict[int, str] = {}
    crashed: dict[int, Exception] = {}
    _mark_erased(deliveries)
    live = [d for d in deliveries if d.scenario.enabled]
    suppressed = _suppressed([d for d in live if not d.contact.is_erased], now)
    candidates = []
    for delivery in deliveries:
        scenario, contact, enrollment = delivery.scenario, delivery.contact, delivery.enrollment
        if not scenario.enabled:
            reasons[delivery.pk] = StopReason.SCENARIO_DISABLED
        elif contact.unsubscribed_at and not scenario.is_transactional:
            reasons[delivery.pk] = StopReason.UNSUBSCRIBED
        elif contact.is_erased or delivery.pk in suppressed:
            reasons[delivery.pk] = StopReason.SUPPRESSED
        elif enrollment.state in ENDED:
            reasons[delivery.pk] = enrollment.stop_reason or enrollment.state
        else:
            candidates.append(delivery)
    reached = _goals(candidates, crashed)
    for delivery in candidates:
        if delivery.pk in crashed:
            continue
        if delivery.enrollment_id in reached:
            reasons[delivery.pk] = goal_reason(reached[delivery.enrollment_id])
            continue
        try:
            reason = delivery.scenario.kind_class.skip_reason(delivery.enrollment)
        except Exception as exc:  # a kind's code: its letters fail alone
            crashed[delivery.pk] = exc
            continue
        if reason:
            reasons[delivery.pk] = reason
        elif delivery.scenario.test_mode and delivery.contact.email not in delivery.scenario.test_address_list():
            reasons[delivery.pk] = StopReason.TEST_MODE
    return reasons, crashed


def next_window_start(window: list[int] | tuple[int, int] | None, time_zone: str, now: datetime) -> datetime | None:
    """When a send window ``[start_hour, end_hour)`` in the contact's time zone opens next;
    None when ``now`` is inside it (or there is no window)."""
    if not window:
        return None
    start, end = int(window[0]), int(window[1])
    try:
        zone = ZoneInfo(time_zone) if time_zone else timezone.get_default_timezone()
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    local = now.astimezone(zone)
    inside = start <= local.hour < end if start < end else (local.hour >= start or local.hour < end)
    if inside:
        return None
    opening = local.replace(hour=start, minute=0, second=0, microsecond=0)
    if opening <= local:
        opening += timedelta(days=1)
    return opening.astimezone(UTC)


@dataclass
class _Batch:
    """What the letters about to go out need, looked up once for the batch."""

    token: datetime
    now: datetime
    sources: dict = field(default_factory=dict)  # (letter key, language) -> (source, language)
    steps: dict[int, int] = field(default_factory=dict)  # scenario -> enabled steps
    paused: dict[int, datetime] = field(default_factory=dict)  # contact -> end of their pause
    recent: dict[int, list[datetime]] = field(default_factory=lambda: defaultdict(list))  # contact -> sent_at
    bounced: set[int] = field(default_factory=set)  # contacts whose address bounced in this batch

    @classmethod
    def gather(cls, claimed: Claim, deliveries: list[Delivery], now: datetime) -> _Batch:
        batch = cls(claimed.token, now)
        contacts = {delivery.contact_id for delivery in deliveries}
        batch.sources = letter_sources({(d.template_key, letter_language(d.contact)) for d in deliveries})
        batch.steps = dict(
            Step.objects.filter(scenario_id__in={d.scenario_id for d in deliveries}, enabled=True)
            .values("scenario_id")
            .annotate(n=Count("pk"))
            .values_list("scenario_id", "n")
        )
        marketing = {d.contact_id for d in deliveries if not d.scenario.is_transactional}
        if marketing:
            batch.paused = dict(
                Suppression.objects.filter(
                    contact_id__in=marketing, reason=Suppression.Reason.PAUSED, lifted_at__isnull=True, until__gt=now
                )
                .values("contact_id")
                .annotate(end=Max("until"))
                .values_list("contact_id", "end")
            )
        if conf.get("TRIGGERS_MAX_LETTERS_PER_DAY"):
            for contact, sent_at in Delivery.objects.filter(
                contact_id__in=contacts, status=Status.SENT, sent_at__gt=now - timedelta(days=1)
            ).values_list("contact_id", "sent_at"):
                batch.recent[contact].append(sent_at)
        assign_message_ids(deliveries)
        return batch

    def postpone_until(self, delivery: Delivery) -> datetime | None:
        """A pause, the send window in the contact's time zone, then the frequency cap (N a day)."""
        if not delivery.scenario.is_transactional and delivery.contact_id in self.paused:
            return self.paused[delivery.contact_id]  # the chain waits and resumes when the pause ends
        window = next_window_start(delivery.scenario.send_window, delivery.contact.time_zone, self.now)
        if window:
            return window
        cap = conf.get("TRIGGERS_MAX_LETTERS_PER_DAY")
        recent = sorted(self.recent.get(delivery.contact_id, ()), reverse=True)
        if not cap or len(recent) < cap:
            return None
        return recent[cap - 1] + timedelta(days=1)


# -- sending ---------------------------------------------------------------------------------


@dataclass
class _InFlight:
    """How far one letter got before something went wrong (decides retry vs ``unknown``)."""

    reached_server: bool = False


def _compose(delivery: Delivery, batch: _Batch, report: TickReport, ledger: _Ledger) -> Composed | None:
    """Render the letter; None when it cannot be (recorded as failed: never half-sent)."""
    source = batch.sources[(delivery.template_key, letter_language(delivery.contact))]
    steps = batch.steps.get(delivery.scenario_id, 0)
    try:
        if delivery.step is not None and delivery.step.coupon_percent:
            with transaction.atomic():  # a coupon issued for a letter that fails to render is undone
                return compose_delivery(delivery, batch.now, source=source, steps=steps)
        return compose_delivery(delivery, batch.now, source=source, steps=steps)
    except Exception as exc:
        logger.exception("Rendering delivery %s failed", delivery.pk)
        ledger.add(delivery, Status.FAILED, error=f"render: {type(exc).__name__}: {exc}"[:2000])
        report.add("failed")
        return None


def _record(
    delivery: Delivery, composed: Composed, result: SendResult, batch: _Batch, report: TickReport, ledger: _Ledger
) -> None:
    """Write what the server said into the ledger (and suppress an address that bounced)."""
    moment = report.clock.moment()
    common = {
        "to_email": delivery.contact.email,
        "subject": composed.letter.subject[:255],
        "language": composed.language,
        "message_id": composed.message.extra_headers["Message-ID"],
        "esp_message_id": provider_message_id(composed.message)[:255],
    }
    outcome = result.outcome
    if outcome is SendOutcome.SENT:
        ledger.add(delivery, Status.SENT, sent_at=moment, error="", **common)
        batch.recent[delivery.contact_id].append(moment)
        report.add("sent")
    elif outcome in (SendOutcome.RETRY, SendOutcome.RESEND):
        _retry_later(delivery, moment, result.error, report, ledger, **common)
    elif outcome is SendOutcome.FAILED:
        ledger.add(delivery, Status.FAILED, error=result.error, **common)
        report.add("failed")
        if result.hard_bounce:
            note = f"SMTP {result.code} for delivery {delivery.pk}"
            consent.suppress(delivery.contact, Suppression.Reason.BOUNCED, note=note)
            batch.bounced.add(delivery.contact_id)
            report.add("bounced")
    else:
        ledger.add(delivery, Status.UNKNOWN, error=result.error, **common)
        report.add("unknown")


def _send(
    delivery: Delivery, composed: Composed, session: MailSession, batch: _Batch, report: TickReport, ledger: _Ledger
) -> bool:
    """Send one composed letter; a connection that broke before the message was complete is
    reopened and the letter sent again once. False when the server cannot be reached."""
    result = session.send(composed.message)
    if result.outcome is SendOutcome.RESEND:
        if not session.ensure_open():
            # Never accepted, and the server is gone: the letter waits, its attempt not counted.
            ledger.add(delivery, Status.QUEUED, attempts=F("attempts") - 1, error=result.error)
            report.add("postponed")
            return False
        result = session.send(composed.message)  # RESEND again: retried later, with backoff
    _record(delivery, composed, result, batch, report, ledger)
    return True


def _after_crash(delivery: Delivery, exc: Exception, flight: _InFlight, report: TickReport, ledger: _Ledger) -> None:
    """A bug (a kind's code, a database error) in one letter: settle that letter, the batch goes on."""
    error = f"internal: {type(exc).__name__}: {exc}"
    if flight.reached_server:  # the message may have gone out: never resend
        ledger.add(delivery, Status.UNKNOWN, error=error[:2000])
        report.add("unknown")
        return
    delivery.scenario.mark_error(f"delivery {delivery.pk}: {error}")
    _retry_later(delivery, report.clock.moment(), error, report, ledger)


def deliver(delivery: Delivery, batch: _Batch, session: MailSession, report: TickReport, ledger: _Ledger) -> bool:
    """Postpone, render and send one claimed letter. False only when the mail server is unreachable."""
    flight = _InFlight()
    try:
        if delivery.contact_id in batch.bounced:  # an earlier letter of this batch bounced
            ledger.skip(delivery, StopReason.SUPPRESSED)
            report.add("skipped")
            return True
        later = batch.postpone_until(delivery)
        if later:
            ledger.postpone(delivery, later)
            report.add("postponed")
            return True
        composed = _compose(delivery, batch, report, ledger)
        if composed is None:
            return True
        if not _start_sending(delivery):
            logger.warning("The claim of delivery %s expired before it was sent; it is left to the sweep", delivery.pk)
            return True
        flight.reached_server = True
        return _send(delivery, composed, session, batch, report, ledger)
    except Exception as exc:  # one letter never stops the batch
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        try:
            _after_crash(delivery, exc, flight, report, ledger)
        except Exception:  # the database is failing too: the lease sweep will say "unknown"
            logger.exception("Could not record the failure of delivery %s", delivery.pk)
        return True


def _send_batch(claimed: Claim, now: datetime, session: MailSession, report: TickReport) -> bool:
    """Re-check, render and send one claimed batch; False when claiming must stop (the server is
    unreachable, or the time budget is spent)."""
    ledger = _Ledger(claimed.token, now)
    try:
        deliveries = _load(claimed)
        reasons, crashed = skip_reasons(deliveries, now)
        for delivery in deliveries:
            if delivery.pk in crashed:
                logger.error("Checking delivery %s failed: %r", delivery.pk, crashed[delivery.pk])
                _after_crash(delivery, crashed[delivery.pk], _InFlight(), report, ledger)
            elif delivery.pk in reasons:
                ledger.skip(delivery, reasons[delivery.pk])
                report.add("skipped")
        ledger.flush()  # settled before any letter goes out
        sendable = [d for d in deliveries if d.pk not in reasons and d.pk not in crashed]
        batch = _Batch.gather(claimed, sendable, now) if sendable else None
        for index, delivery in enumerate(sendable):
            waiting = sendable[index:]
            if report.clock.spent():
                logger.info("The tick's time budget is spent; %d letters wait for the next tick.", len(waiting))
                ledger.release(waiting)
                report.add("left", len(waiting))
                return False
            if not session.ensure_open():
                logger.warning(
                    "No email connection (%s); %d letters wait for the next tick.", session.last_error, len(waiting)
                )
                ledger.release(waiting)
                report.add("postponed", len(waiting))
                return False
            if not deliver(delivery, batch, session, report, ledger):
                logger.warning("The email server went away; %d letters wait for the next tick.", len(waiting) - 1)
                ledger.release(waiting[1:])
                report.add("postponed", len(waiting) - 1)
                return False
            if ledger.overdue():
                ledger.flush()
        return True
    finally:
        try:
            ledger.flush()
        except Exception:  # the database is failing: the lease sweep will say "unknown"
            logger.exception("Could not record the outcomes of a batch of deliveries")


def send_queued(
    now: datetime | None = None,
    report: TickReport | None = None,
    *,
    limit: int | None = None,
    connection: BaseEmailBackend | None = None,
) -> TickReport:
    """Send up to ``limit`` queued deliveries that are due, in claimed batches, over one
    connection reopened when it breaks.

    ``connection``: the email backend to send through (opened and closed here); by default
    :func:`~wagtail_triggers.mail.letters_connection`.

    Stops claiming when the tick's time budget is spent ("left") or the server stays
    unreachable ("postponed"): those letters stay QUEUED for the next tick.
    """
    now = now or timezone.now()
    report = report or TickReport(now)
    limit = limit or conf.get("TRIGGERS_TICK_BATCH_SIZE")
    expire_leases()
    session = MailSession(connection)
    scenarios = registered_scenarios()
    try:
        while limit > 0:
            if report.clock.spent():
                waiting = due_queued(now, scenarios)[:limit].count()
                if waiting:
                    logger.info("The tick's time budget is spent; %d letters wait for the next tick.", waiting)
                report.add("left", waiting)
                break
            claimed = claim(now, min(limit, CLAIM_CHUNK), scenarios=scenarios)
            if not claimed.ids:
                break
            limit -= len(claimed.ids)
            if not _send_batch(claimed, now, session, report):
                break
    finally:
        session.close()
    return report
