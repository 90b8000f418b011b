"""Consent: unsubscribing, pausing and suppressing contacts (history is kept, never deleted).

Every function here is idempotent, and the engine re-checks consent at send time
(:meth:`Contact.is_suppressed`), so a change here also stops letters already queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Contact, Delivery, Enrollment, Scenario, Suppression

Reason = Suppression.Reason


def _stop(
    contact: Contact, reason: str, now: datetime, scenario: Scenario | None = None, *, transactional: bool = False
) -> None:
    enrollments = Enrollment.objects.filter(contact=contact)
    if scenario is not None:
        enrollments = enrollments.filter(scenario=scenario)
    elif not transactional:
        kept = [s.pk for s in Scenario.objects.filter(transactional=True) if s.is_transactional]
        enrollments = enrollments.exclude(scenario_id__in=kept)
    enrollments.stop(reason, now)


def _mark_delivery(delivery_id: int | None, now: datetime) -> None:
    if delivery_id:
        Delivery.objects.filter(pk=delivery_id, unsubscribed_at__isnull=True).update(unsubscribed_at=now)


def unsubscribe_contact(contact: Contact, *, delivery_id: int | None = None, reason: str = Reason.UNSUBSCRIBED) -> bool:
    """Stop every marketing trigger letter to the contact. False if they were already out."""
    now = timezone.now()
    with transaction.atomic():
        _mark_delivery(delivery_id, now)
        updated = Contact.objects.filter(pk=contact.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=now)
        if not updated:
            return False
        note = f"delivery {delivery_id}" if delivery_id else ""
        Suppression.objects.create(contact=contact, reason=reason, created_at=now, note=note)
        _stop(contact, reason, now)
    contact.unsubscribed_at = now
    return True


def unsubscribe_from_scenario(contact: Contact, scenario: Scenario, *, delivery_id: int | None = None) -> bool:
    """Stop one scenario's letters (also a transactional one). False if already out."""
    now = timezone.now()
    with transaction.atomic():
        _mark_delivery(delivery_id, now)
        current = contact.suppressions.filter(scenario=scenario, reason=Reason.UNSUBSCRIBED, lifted_at__isnull=True)
        if current.exists():
            return False
        Suppression.objects.create(contact=contact, scenario=scenario, reason=Reason.UNSUBSCRIBED, created_at=now)
        _stop(contact, Reason.UNSUBSCRIBED, now, scenario)
    return True


def pause(contact: Contact, *, days: int = 30) -> Suppression:
    """No marketing letters for a while; chains keep waiting and resume afterwards."""
    now = timezone.now()
    return Suppression.objects.create(
        contact=contact, reason=Reason.PAUSED, created_at=now, until=now + timedelta(days=days)
    )


def resubscribe(contact: Contact) -> int:
    """Lift unsubscribes and pauses (not bounces or complaints). Returns how many were lifted."""
    now = timezone.now()
    with transaction.atomic():
        lifted = contact.suppressions.filter(
            Q(reason__in=[Reason.UNSUBSCRIBED, Reason.PAUSED, Reason.STAFF]), lifted_at__isnull=True
        ).update(lifted_at=now)
        Contact.objects.filter(pk=contact.pk).update(unsubscribed_at=None)
    contact.unsubscribed_at = None
    return lifted


def suppress(contact: Contact, reason: str, *, note: str = "") -> bool:
    """A bounce, a complaint or staff: stops everything, transactional letters included."""
    now = timezone.now()
    with transaction.atomic():
        if contact.suppressions.filter(reason=reason, scenario__isnull=True, lifted_at__isnull=True).exists():
            return False
        Suppression.objects.create(contact=contact, reason=reason, created_at=now, note=note[:255])
        _stop(contact, reason, now, transactional=True)
    return True


def current_suppressions(contact: Contact):
    now = timezone.now()
    return contact.suppressions.filter(Q(lifted_at__isnull=True) & (Q(until__isnull=True) | Q(until__gt=now)))
