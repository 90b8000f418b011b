"""Sending queued deliveries: claim, re-check, render, send, record — one row at a time.

Status changes are compare-and-set UPDATEs, so two workers can never both send a row:
QUEUED → SENDING (claimed) → SENT / SKIPPED / FAILED / back to QUEUED (retry later) /
UNKNOWN (interrupted while talking to the server: never resent automatically).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from . import conf
from .compose import compose_delivery
from .engine import TickReport, goal_reached
from .esp import provider_message_id
from .mail import SendOutcome, open_connection, send
from .models import Delivery, Enrollment

logger = logging.getLogger(__name__)
Status = Delivery.Status


def _claim(pk: int, now: datetime) -> bool:
    return bool(
        Delivery.objects.filter(pk=pk, status=Status.QUEUED).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _finish(delivery: Delivery, status: str, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(status=status, **fields)


def skip_reason(delivery: Delivery, now: datetime) -> str | None:
    """Re-checked right before sending: consent, scenario state, goal, kind-specific checks."""
    scenario, contact, enrollment = delivery.scenario, delivery.contact, delivery.enrollment
    if not scenario.enabled:
        return "scenario disabled"
    if contact.is_suppressed(scenario.pk, transactional=scenario.is_transactional, now=now, pauses=False):
        return "unsubscribed" if contact.unsubscribed_at and not scenario.is_transactional else "suppressed"
    if enrollment.state in (Enrollment.State.GOAL, Enrollment.State.STOPPED):
        return enrollment.stop_reason or enrollment.state
    if goal_reached(enrollment):
        return "goal reached"
    reason = scenario.kind_class.skip_reason(enrollment)
    if reason:
        return reason
    if scenario.test_mode and contact.email not in scenario.test_address_list():
        return "test mode"
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
    window = next_window_start(delivery.scenario.option("send_window"), delivery.contact.time_zone, now)
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


def _end_enrollment(enrollment: Enrollment, reason: str, now: datetime) -> None:
    """A skipped letter ends its chain, except in test mode (the chain runs for test contacts)."""
    if reason == "test mode" or enrollment.state in (
        Enrollment.State.GOAL,
        Enrollment.State.STOPPED,
    ):
        return
    state = Enrollment.State.GOAL if reason == "goal reached" else Enrollment.State.STOPPED
    enrollment.finish(state, reason, now=now)


def deliver(pk: int, now: datetime, connection, report: TickReport) -> None:
    if not _claim(pk, now):
        return  # another worker has it
    delivery = Delivery.objects.select_related("enrollment", "scenario", "contact", "step", "contact__user").get(pk=pk)
    reason = skip_reason(delivery, now)
    if reason:
        _finish(delivery, Status.SKIPPED, reason=reason[:60])
        _end_enrollment(delivery.enrollment, reason, now)
        report.add("skipped")
        return
    later = _postpone_until(delivery, now)
    if later:
        _finish(delivery, Status.QUEUED, not_before=later, attempts=F("attempts") - 1)
        # Delays count from the previous letter: the rest of the chain moves with this one.
        Enrollment.objects.filter(pk=delivery.enrollment_id, state=Enrollment.State.ACTIVE).exclude(
            next_run_at=None
        ).update(next_run_at=F("next_run_at") + (later - now))
        report.add("postponed")
        return
    try:
        composed = compose_delivery(delivery, now)
    except Exception as exc:  # a letter that cannot render is never half-sent
        logger.exception("Rendering delivery %s failed", pk)
        _finish(delivery, Status.FAILED, error=f"render: {type(exc).__name__}: {exc}"[:2000])
        report.add("failed")
        return
    outcome, error = send(composed.message, connection)
    common = {
        "to_email": delivery.contact.email,
        "subject": composed.letter.subject[:255],
        "language": composed.language,
        "message_id": composed.message.extra_headers["Message-ID"],
        "esp_message_id": provider_message_id(composed.message)[:255],
        "error": error,
    }
    if outcome is SendOutcome.SENT:
        _finish(delivery, Status.SENT, sent_at=now, **common)
        report.add("sent")
    elif outcome is SendOutcome.RETRY and delivery.attempts <= conf.get("TRIGGERS_SEND_RETRIES"):
        backoff = timedelta(minutes=2**delivery.attempts)
        _finish(delivery, Status.QUEUED, not_before=now + backoff, **common)
        report.add("postponed")
    else:
        status = Status.UNKNOWN if outcome is SendOutcome.UNKNOWN else Status.FAILED
        _finish(delivery, status, **common)
        report.add("unknown" if status == Status.UNKNOWN else "failed")


def send_queued(
    now: datetime | None = None, report: TickReport | None = None, *, limit: int | None = None
) -> TickReport:
    """Send every queued delivery that is due, over one email connection."""
    now = now or timezone.now()
    report = report or TickReport(now)
    limit = limit or conf.get("TRIGGERS_TICK_BATCH_SIZE")
    # A row left in SENDING by a dead worker may or may not have gone out: say so, never resend.
    Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - conf.get("TRIGGERS_SEND_LEASE")).update(
        status=Status.UNKNOWN, error="interrupted while sending"
    )
    ids = list(
        Delivery.objects.filter(status=Status.QUEUED, not_before__lte=now)
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return report
    connection = get_connection(fail_silently=False)
    try:
        open_connection(connection)
    except Exception:
        logger.warning("Email connection failed; %d letters wait for the next tick.", len(ids), exc_info=True)
        report.add("postponed", len(ids))
        return report
    try:
        for pk in ids:
            deliver(pk, now, connection, report)
    finally:
        connection.close()
    return report
