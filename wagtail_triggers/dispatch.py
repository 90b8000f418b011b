"""Sending queued deliveries: claim, re-check, render, send, record — one row at a time.

Status changes are compare-and-set UPDATEs, so two workers can never both send a row:
QUEUED → SENDING (claimed) → SENT / SKIPPED / FAILED / back to QUEUED (retry later) /
UNKNOWN (interrupted after the whole message was written: never resent automatically).

One letter's failure never stops the batch: a dropped connection is reopened (bounded, with
backoff), a 4xx is retried later with backoff, a 5xx fails that letter alone, and an exception
in one letter settles that letter only. See ``mail.py`` for how failures are classified.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import conf, consent
from .choices import StopReason
from .compose import Composed, compose_delivery
from .esp import provider_message_id
from .goals import goal_reached
from .mail import MailSession, SendOutcome, SendResult
from .models import Delivery, Enrollment, Suppression
from .scenarios.registry import registry
from .ticktime import TickReport

logger = logging.getLogger(__name__)
Status = Delivery.Status


def expire_leases() -> int:
    """A row left in SENDING by a dead worker may or may not have gone out: say so, never resend.

    Leases are wall-clock time (``claimed_at`` is stamped with the real time of the claim), so a
    time-travelling tick never expires a letter another worker is sending right now.
    """
    cutoff = timezone.now() - conf.get("TRIGGERS_SEND_LEASE")
    return Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.UNKNOWN, error="interrupted while sending"
    )


def _claim(pk: int, now: datetime) -> datetime | None:
    """QUEUED → SENDING; returns the claim's real time, the row's lease token, or None."""
    token = timezone.now()
    claimed = Delivery.objects.filter(pk=pk, status=Status.QUEUED, not_before__lte=now).update(
        status=Status.SENDING, claimed_at=token, attempts=F("attempts") + 1
    )
    return token if claimed else None


def _finish(delivery: Delivery, status: str, **fields) -> bool:
    """Record this worker's result. A lease sweep may have said "unknown" meanwhile: the worker
    holding the claim (same ``claimed_at``) knows better, so its result replaces that guess."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, claimed_at=delivery.claimed_at, status__in=(Status.SENDING, Status.UNKNOWN)
        ).update(status=status, **fields)
    )


def skip_reason(delivery: Delivery, now: datetime) -> str | None:
    """Re-checked right before sending: consent, scenario state, goal, kind-specific checks."""
    scenario, contact, enrollment = delivery.scenario, delivery.contact, delivery.enrollment
    if not scenario.enabled:
        return StopReason.SCENARIO_DISABLED
    if contact.is_suppressed(scenario.pk, transactional=scenario.is_transactional, now=now, pauses=False):
        if contact.unsubscribed_at and not scenario.is_transactional:
            return StopReason.UNSUBSCRIBED
        return StopReason.SUPPRESSED
    if enrollment.state in ENDED:
        return enrollment.stop_reason or enrollment.state
    if goal_reached(enrollment):
        return StopReason.GOAL_REACHED
    reason = scenario.kind_class.skip_reason(enrollment)
    if reason:
        return reason
    if scenario.test_mode and contact.email not in scenario.test_address_list():
        return StopReason.TEST_MODE
    return None


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


def _postpone_until(delivery: Delivery, now: datetime) -> datetime | None:
    """A pause, the send window in the contact's time zone, then the frequency cap (N a day)."""
    if not delivery.scenario.is_transactional:
        paused = delivery.contact.paused_until(now)
        if paused:
            return paused  # the chain waits and resumes when the pause ends
    window = next_window_start(delivery.scenario.send_window, delivery.contact.time_zone, now)
    if window:
        return window
    cap = conf.get("TRIGGERS_MAX_LETTERS_PER_DAY")
    if not cap:
        return None
    recent = list(
        Delivery.objects.filter(contact_id=delivery.contact_id, status=Status.SENT, sent_at__gt=now - timedelta(days=1))
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)[:cap]
    )
    if len(recent) < cap:
        return None
    return recent[-1] + timedelta(days=1)


# Test mode skips a letter but keeps the chain running for the test addresses.
KEEPS_CHAIN = frozenset({StopReason.TEST_MODE})
ENDED = (Enrollment.State.GOAL, Enrollment.State.STOPPED)


def _end_enrollment(enrollment: Enrollment, reason: str, now: datetime) -> None:
    """A skipped letter ends its chain: as reached when the goal was, else as stopped."""
    if reason in KEEPS_CHAIN or enrollment.state in ENDED:
        return
    state = Enrollment.State.GOAL if reason == StopReason.GOAL_REACHED else Enrollment.State.STOPPED
    enrollment.finish(state, reason, now=now)


@dataclass
class _InFlight:
    """What one letter got to before something went wrong (decides retry vs ``unknown``)."""

    delivery: Delivery | None = None
    reached_server: bool = False


def _retry_later(delivery: Delivery, moment: datetime, error: str, report: TickReport, **fields) -> None:
    """A temporary failure: back to QUEUED with doubling backoff, FAILED once the cap is reached."""
    retries = conf.get("TRIGGERS_SEND_RETRIES")
    if delivery.attempts <= retries:
        backoff = timedelta(minutes=2**delivery.attempts)
        _finish(delivery, Status.QUEUED, not_before=moment + backoff, error=error[:2000], **fields)
        report.add("postponed")
    else:
        error = f"gave up after {delivery.attempts} attempts; last error: {error}"
        _finish(delivery, Status.FAILED, error=error[:2000], **fields)
        report.add("failed")


def _prepare(delivery: Delivery, now: datetime, report: TickReport) -> Composed | None:
    """Re-check, postpone or render; None when the delivery is already settled (skipped…)."""
    reason = skip_reason(delivery, now)
    if reason:
        _finish(delivery, Status.SKIPPED, reason=reason[:60])
        _end_enrollment(delivery.enrollment, reason, now)
        report.add("skipped")
        return None
    later = _postpone_until(delivery, now)
    if later:
        _finish(delivery, Status.QUEUED, not_before=later, attempts=F("attempts") - 1)
        # Delays count from the previous letter: the rest of the chain moves with this one.
        Enrollment.objects.filter(pk=delivery.enrollment_id, state=Enrollment.State.ACTIVE).exclude(
            next_run_at=None
        ).update(next_run_at=F("next_run_at") + (later - now))
        report.add("postponed")
        return None
    try:
        with transaction.atomic():
            return compose_delivery(delivery, now)
    except Exception as exc:  # a letter that cannot render is never half-sent
        logger.exception("Rendering delivery %s failed", delivery.pk)
        _finish(delivery, Status.FAILED, error=f"render: {type(exc).__name__}: {exc}"[:2000])
        report.add("failed")
        return None


def _record(delivery: Delivery, composed: Composed, result: SendResult, report: TickReport) -> None:
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
        if not _finish(delivery, Status.SENT, sent_at=moment, error="", **common):
            logger.warning("Delivery %s was sent but its row had changed meanwhile", delivery.pk)
        report.add("sent")
    elif outcome in (SendOutcome.RETRY, SendOutcome.RESEND):
        _retry_later(delivery, moment, result.error, report, **common)
    elif outcome is SendOutcome.FAILED:
        _finish(delivery, Status.FAILED, error=result.error, **common)
        report.add("failed")
        if result.hard_bounce:
            note = f"SMTP {result.code} for delivery {delivery.pk}"
            consent.suppress(delivery.contact, Suppression.Reason.BOUNCED, note=note)
            report.add("bounced")
    else:
        _finish(delivery, Status.UNKNOWN, error=result.error, **common)
        report.add("unknown")


def _send(delivery: Delivery, composed: Composed, session: MailSession, report: TickReport) -> bool:
    """Send one composed letter; a connection that broke before the message was complete is
    reopened and the letter sent again once. False when the server cannot be reached."""
    result = session.send(composed.message)
    if result.outcome is SendOutcome.RESEND:
        if not session.ensure_open():
            # Never accepted, and the server is gone: the letter waits, its attempt not counted.
            _finish(delivery, Status.QUEUED, attempts=F("attempts") - 1, error=result.error)
            report.add("postponed")
            return False
        result = session.send(composed.message)  # RESEND again: retried later, with backoff
    _record(delivery, composed, result, report)
    return True


def _after_crash(pk: int, token: datetime, exc: Exception, flight: _InFlight, report: TickReport) -> None:
    """A bug or a database error in one letter: settle that letter and let the batch go on."""
    error = f"internal: {type(exc).__name__}: {exc}"
    rows = Delivery.objects.filter(pk=pk, claimed_at=token, status=Status.SENDING)
    if flight.reached_server:  # the message may have gone out: never resend
        rows.update(status=Status.UNKNOWN, error=error[:2000])
        report.add("unknown")
        return
    delivery = flight.delivery or rows.first()
    if delivery is None:
        return
    delivery.claimed_at = token
    if flight.delivery is not None:
        flight.delivery.scenario.mark_error(f"delivery {pk}: {error}")
    _retry_later(delivery, report.clock.moment(), error, report)


def deliver(pk: int, now: datetime, session: MailSession, report: TickReport) -> bool:
    """Claim one delivery and settle it. False only when the mail server is unreachable."""
    token = _claim(pk, now)
    if token is None:
        return True  # another worker has it
    flight = _InFlight()
    try:
        delivery = Delivery.objects.select_related("enrollment", "scenario", "contact", "step", "contact__user").get(
            pk=pk
        )
        flight.delivery = delivery
        with transaction.atomic():
            composed = _prepare(delivery, now, report)
        if composed is None:
            return True
        flight.reached_server = True
        return _send(delivery, composed, session, report)
    except Exception as exc:  # one letter never stops the batch
        logger.exception("Delivery %s failed unexpectedly", pk)
        try:
            _after_crash(pk, token, exc, flight, report)
        except Exception:  # the database is failing too: the lease sweep will say "unknown"
            logger.exception("Could not record the failure of delivery %s", pk)
        return True


def due_ids(now: datetime, limit: int) -> list[int]:
    """Queued letters that are due, of scenarios whose kind is registered (the others wait)."""
    return list(
        Delivery.objects.filter(
            status=Status.QUEUED, not_before__lte=now, scenario__kind__in=[kind.kind for kind in registry]
        )
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def send_queued(
    now: datetime | None = None,
    report: TickReport | None = None,
    *,
    limit: int | None = None,
    connection: BaseEmailBackend | None = None,
) -> TickReport:
    """Send the queued deliveries that are due, over one connection reopened when it breaks.

    ``connection``: the email backend to send through (opened and closed here); by default
    :func:`~wagtail_triggers.mail.letters_connection`.

    Stops claiming when the tick's time budget is spent ("left") or the server stays
    unreachable ("postponed"): those letters stay QUEUED for the next tick.
    """
    now = now or timezone.now()
    report = report or TickReport(now)
    limit = limit or conf.get("TRIGGERS_TICK_BATCH_SIZE")
    expire_leases()
    ids = due_ids(now, limit)
    if not ids:
        return report
    session = MailSession(connection)
    try:
        for index, pk in enumerate(ids):
            waiting = len(ids) - index
            if report.clock.spent():
                logger.info("The tick's time budget is spent; %d letters wait for the next tick.", waiting)
                report.add("left", waiting)
                break
            if not session.ensure_open():
                logger.warning(
                    "No email connection (%s); %d letters wait for the next tick.", session.last_error, waiting
                )
                report.add("postponed", waiting)
                break
            if not deliver(pk, now, session, report):
                logger.warning("The email server went away; %d letters wait for the next tick.", waiting - 1)
                report.add("postponed", waiting - 1)
                break
    finally:
        session.close()
    return report
