"""Delivery, bounce and complaint reports from the email provider, via django-anymail.

Connected only when django-anymail is installed: its ``tracking`` signal arrives from the
provider's webhook (which anymail verifies); here it is matched to our Delivery by the
provider's message id, deduplicated by event id, and bounces and complaints suppress the
address so nothing more is sent to it.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import consent
from .models import Delivery, Suppression, TrackingEvent

logger = logging.getLogger(__name__)
Kind = TrackingEvent.Kind

# anymail event_type → (our kind, timestamp field on Delivery, suppression reason)
MAPPING: dict[str, tuple[str, str | None, str | None]] = {
    "delivered": (Kind.DELIVERED, "delivered_at", None),
    "bounced": (Kind.BOUNCE, "bounced_at", Suppression.Reason.BOUNCED),
    "rejected": (Kind.BOUNCE, "bounced_at", Suppression.Reason.BOUNCED),
    "complained": (Kind.COMPLAINT, "complained_at", Suppression.Reason.COMPLAINED),
    "unsubscribed": (Kind.UNSUBSCRIBE, "unsubscribed_at", Suppression.Reason.UNSUBSCRIBED),
    "opened": (Kind.OPEN, "opened_at", None),
    "clicked": (Kind.CLICK, "clicked_at", None),
}


def _event_id(esp_name: str, event: Any) -> str:
    if getattr(event, "event_id", None):
        return f"{esp_name}:{event.event_id}"[:255]
    raw = f"{esp_name}:{event.event_type}:{event.message_id}:{event.timestamp}:{event.recipient}"
    return f"{esp_name}:sha256:{hashlib.sha256(raw.encode()).hexdigest()}"


def handle_tracking(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> str:
    """Receiver for ``anymail.signals.tracking``; returns what it did (for tests and logs)."""
    mapped = MAPPING.get(event.event_type)
    if not mapped or event.message_id in (None, ""):
        return "ignored"
    delivery = Delivery.objects.select_related("contact").filter(esp_message_id=str(event.message_id)).first()
    if delivery is None:
        return "unknown message"
    kind, stamp, reason = mapped
    when = event.timestamp or timezone.now()
    try:
        with transaction.atomic():
            TrackingEvent.objects.create(
                delivery=delivery,
                kind=kind,
                occurred_at=when,
                url=(getattr(event, "click_url", "") or "")[:2000],
                user_agent=(getattr(event, "user_agent", "") or "")[:255],
                esp_event_id=_event_id(esp_name, event),
            )
    except IntegrityError:
        return "duplicate"
    if stamp:
        Delivery.objects.filter(pk=delivery.pk, **{f"{stamp}__isnull": True}).update(**{stamp: when})
    if kind == Kind.OPEN:
        Delivery.objects.filter(pk=delivery.pk).update(open_count=F("open_count") + 1)
    if kind == Kind.CLICK:
        Delivery.objects.filter(pk=delivery.pk).update(click_count=F("click_count") + 1)
    if reason == Suppression.Reason.UNSUBSCRIBED:
        consent.unsubscribe_contact(delivery.contact, delivery_id=delivery.pk)
    elif reason:
        consent.suppress(delivery.contact, reason, note=f"{esp_name}: {getattr(event, 'description', '') or ''}")
    return kind


def connect() -> bool:
    """Connect to anymail's tracking signal when anymail is installed."""
    try:
        from anymail.signals import tracking
    except ImportError:
        return False
    tracking.connect(handle_tracking, dispatch_uid="wagtail_triggers.esp.tracking")
    return True


def provider_message_id(message: Any) -> str:
    """The provider's id for a sent message (anymail sets ``anymail_status``), or ""."""
    message_id = getattr(getattr(message, "anymail_status", None), "message_id", None)
    return "" if message_id is None else str(message_id)
