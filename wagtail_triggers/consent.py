"""Consent: unsubscribing and suppressing contacts, re-checked again at send time."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Contact, Enrollment, Suppression


def unsubscribe_contact(contact: Contact, *, delivery_id: int | None = None, reason: str = "unsubscribed") -> bool:
    """Stop every trigger letter to the contact. Returns False if they were already out."""
    now = timezone.now()
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=now)
        if not updated:
            return False
        note = f"delivery {delivery_id}" if delivery_id else ""
        Suppression.objects.create(contact=contact, reason=reason, created_at=now, note=note)
        Enrollment.objects.filter(contact=contact, state=Enrollment.State.ACTIVE).update(
            state=Enrollment.State.STOPPED, stop_reason=reason, finished_at=now, next_run_at=None
        )
    contact.unsubscribed_at = now
    return True
