"""Data rights (GDPR art. 15/17, 152-FZ art. 14/21): export one person's data, or forget them.

*Export* gathers every row the app holds about one address into one JSON document.
*Forget* erases the person in one transaction: their contact row, events and consent history
go; letters, opens, clicks and orders stay as anonymous rows on a shared placeholder contact,
so reports count the same; a keyed hash of the address goes into :class:`ErasedAddress`, so
intake, imports and the engine never mail the address again. See ``docs/privacy.md``.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from .addresses import PLACEHOLDER_EMAIL, address_digests, normalize_email
from .choices import StopReason
from .models import (
    Answer,
    Contact,
    Conversion,
    Delivery,
    Enrollment,
    ErasedAddress,
    Event,
    IssuedCoupon,
    Suppression,
    TrackingEvent,
)
from .payloads import InvalidEvent

logger = logging.getLogger(__name__)

ERASED = "[erased]"
EXPORT_FORMAT = "wagtail-triggers-contact-export/1"
APP_LABELS = ("wagtail_triggers", "wagtail_triggers_saleor", "wagtail_triggers_oscar")


class UnknownPerson(LookupError):
    """Nothing is stored about this address."""


# -- the keyed hash -----------------------------------------------------------------------------


def is_erased(email: str) -> bool:
    """Was this address forgotten? (Case and surrounding blanks do not matter.)"""
    if not email:
        return False
    return ErasedAddress.objects.filter(digest__in=address_digests(email)).exists()


def erased_among(emails: Iterable[str]) -> set[str]:
    """The forgotten addresses among many, in one query per 500 (for imports)."""
    by_digest = {digest: email for email in emails for digest in address_digests(email)}
    found: set[str] = set()
    digests = list(by_digest)
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        found.update(
            by_digest[d] for d in ErasedAddress.objects.filter(digest__in=chunk).values_list("digest", flat=True)
        )
    return found


def _normalise(email: str) -> str:
    try:
        return normalize_email(email)
    except InvalidEvent as exc:
        raise ValueError("; ".join(exc.errors)) from None


def placeholder_contact():
    """The one anonymous contact forgotten people's letters and orders are moved to."""
    contact, _created = Contact.objects.get_or_create(
        email=PLACEHOLDER_EMAIL, defaults={"unsubscribed_at": timezone.now()}
    )
    return contact


# -- export -------------------------------------------------------------------------------------


def _row(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every concrete column under its attribute name (``scenario_id``, not ``scenario``)."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in exclude}


def _log_entries(email: str, contact_pk: int | None):
    """Audit-log rows about the person: entries on their contact, and any naming the address."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    mentions = Q(label__icontains=email) | Q(data_text__icontains=email)
    if contact_pk is not None:
        own = Q(content_type=ContentType.objects.get_for_model(Contact), object_id=str(contact_pk))
        mentions |= own | Q(data__contact_id=contact_pk)  # test sends filled in as the contact
    return (
        ModelLogEntry.objects.annotate(data_text=Cast("data", models.TextField()))
        .filter(mentions)
        .select_related("content_type")
        .order_by("timestamp", "pk")
    )


def export_contact(email: str) -> dict[str, Any]:
    """Everything stored about one address, as a JSON-ready dict (sections in ``docs/privacy.md``).

    Raises ``ValueError`` for a malformed address and :class:`UnknownPerson` when nothing is
    stored about it.
    """
    email = _normalise(email)
    contact = Contact.objects.filter(email=email).first()
    events = Event.objects.filter(Q(email=email) | Q(contact=contact) if contact else Q(email=email))
    if contact is None and not events.exists():
        raise UnknownPerson(email)
    deliveries = Delivery.objects.filter(contact=contact).order_by("pk") if contact else Delivery.objects.none()
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "email": email,
        "contact": _row(contact) if contact else None,
        "consent": [_row(s) for s in contact.suppressions.order_by("created_at", "pk")] if contact else [],
        "events": [_row(e) for e in events.order_by("occurred_at", "pk")],
        "enrollments": [_row(e) for e in Enrollment.objects.filter(contact=contact).order_by("started_at", "pk")]
        if contact
        else [],
        "deliveries": [_row(d) for d in deliveries],
        "tracking": [
            _row(t) for t in TrackingEvent.objects.filter(delivery__in=deliveries).order_by("occurred_at", "pk")
        ],
        "conversions": [_row(c) for c in Conversion.objects.filter(contact=contact).order_by("occurred_at", "pk")]
        if contact
        else [],
        "coupons": [_row(c) for c in IssuedCoupon.objects.filter(contact=contact).order_by("created_at", "pk")]
        if contact
        else [],
        "answers": [_row(a) for a in Answer.objects.filter(contact=contact).order_by("first_answered_at", "pk")]
        if contact
        else [],
        "audit_log": [
            {
                "timestamp": entry.timestamp,
                "action": entry.action,
                "object_type": entry.content_type.model if entry.content_type else "",
                "object_id": entry.object_id,
                "label": entry.label,
                "data": entry.data,
                "user_id": entry.user_id,
            }
            for entry in _log_entries(email, contact.pk if contact else None)
        ],
    }
    return document


def export_contact_json(email: str) -> str:
    return json.dumps(export_contact(email), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


# -- forget -------------------------------------------------------------------------------------


@dataclass
class ForgetReport:
    """What forgetting did, per table (counts only: it names nobody)."""

    counts: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        return " ".join(f"{name}={count}" for name, count in sorted(self.counts.items()))


def _scrub(value: Any, pattern: re.Pattern[str]) -> Any:
    """The value with every occurrence of the address replaced, inside nested JSON too."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, pattern) for key, item in value.items()}
    return value


def _scrub_audit_log(email: str, contact, placeholder, report: ForgetReport) -> None:
    """Entries on the contact move to the placeholder; the address is cut out of every entry."""
    from django.contrib.contenttypes.models import ContentType

    pattern = re.compile(re.escape(email), re.IGNORECASE)
    contact_type = ContentType.objects.get_for_model(type(placeholder))
    for entry in _log_entries(email, contact.pk if contact else None):
        own = contact is not None and entry.content_type_id == contact_type.pk and entry.object_id == str(contact.pk)
        if own:
            entry.object_id = str(placeholder.pk)
            entry.label = ERASED
        else:
            entry.label = _scrub(entry.label, pattern)
        entry.data = _scrub(entry.data, pattern)
        if contact is not None and isinstance(entry.data, dict) and entry.data.get("contact_id") == contact.pk:
            entry.data["contact_id"] = None
        entry.save(update_fields=["object_id", "label", "data"])
        report.counts["audit_log"] += 1


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.primary_key
    ]


def _sweep(email: str, report: ForgetReport) -> None:
    """A last pass over every text column of the app's tables for the address.

    The explicit steps above know each model; this catches a column added later (a note, a
    test-address list) so forgetting stays complete as the app grows.
    """
    # Per-person tables, handled row by row above (and the big ones: no full scans of them).
    handled = {
        Answer,
        Contact,
        Conversion,
        Delivery,
        Enrollment,
        ErasedAddress,
        Event,
        Suppression,
        TrackingEvent,
    }
    pattern = re.compile(re.escape(email), re.IGNORECASE)
    for model in apps.get_models():
        if model._meta.app_label not in APP_LABELS or model in handled:
            continue
        for fld in _text_fields(model):
            rows = model._default_manager.all()
            if isinstance(fld, models.JSONField):
                rows = rows.annotate(_as_text=Cast(fld.name, models.TextField())).filter(_as_text__icontains=email)
            else:
                rows = rows.filter(**{f"{fld.name}__icontains": email})
            for obj in rows:
                value = getattr(obj, fld.attname)
                if isinstance(value, str) and value.strip().lower() == email and fld.blank:
                    new = ""
                else:
                    new = _scrub(value, pattern)
                setattr(obj, fld.attname, new)
                obj.save(update_fields=[fld.name])
                report.counts[f"swept:{model._meta.model_name}.{fld.name}"] += 1


def forget_contact(email: str, *, user=None) -> ForgetReport:
    """Erase one person (GDPR art. 17, 152-FZ art. 21) and keep them from being mailed again.

    Idempotent: forgetting an address twice, or one the app never saw, still stores its hash.
    Raises ``ValueError`` for a malformed address.
    """
    from wagtail.log_actions import log

    email = _normalise(email)
    if email == PLACEHOLDER_EMAIL:
        raise ValueError("the anonymous placeholder cannot be forgotten")
    report = ForgetReport()
    now = timezone.now()
    with transaction.atomic():
        _digest, created = ErasedAddress.objects.get_or_create(digest=address_digests(email)[0])
        report.counts["hash_stored"] = int(created)
        placeholder = placeholder_contact()
        contact = Contact.objects.select_for_update().filter(email=email).first()
        events = (
            Event.objects.filter(Q(email=email) | Q(contact=contact)) if contact else Event.objects.filter(email=email)
        )
        report.counts["events"] = events.delete()[1].get(Event._meta.label, 0)
        if contact is not None:
            report.counts["chains_stopped"] = Enrollment.objects.filter(contact=contact).stop(StopReason.ERASED, now)
            # A letter being sent right now is marked too: its worker's result then finds the row changed.
            Delivery.objects.filter(contact=contact, status=Delivery.Status.SENDING).update(
                status=Delivery.Status.SKIPPED, reason=StopReason.ERASED
            )
            # What they answered a letter is their opinion: it goes with them, not to the placeholder.
            report.counts["answers"] = Answer.objects.filter(contact=contact).delete()[0]
            deliveries = Delivery.objects.filter(contact=contact)
            report.counts["tracking"] = TrackingEvent.objects.filter(delivery__in=deliveries).update(
                url="", user_agent="", esp_event_id=None
            )
            report.counts["deliveries"] = deliveries.update(
                contact=placeholder,
                to_email="",
                subject="",
                error="",
                message_id="",
                esp_message_id="",
                coupon_code="",
            )
            report.counts["enrollments"] = Enrollment.objects.filter(contact=contact).update(
                contact=placeholder, subject_id="", snapshot={}, once_key=None
            )
            for conversion in Conversion.objects.filter(contact=contact):
                conversion.contact = placeholder
                conversion.order_id = f"erased:{conversion.pk}"
                conversion.save(update_fields=["contact", "order_id"])
                report.counts["conversions"] += 1
            report.counts["coupons"] = IssuedCoupon.objects.filter(contact=contact).update(contact=None)
        _scrub_audit_log(email, contact, placeholder, report)
        if contact is not None:
            report.counts["consent"] = contact.suppressions.count()
            Contact.objects.filter(pk=contact.pk).delete()  # the queryset delete: no recursion
            report.counts["contact"] = 1
        _sweep(email, report)
        log(placeholder, "wagtail_triggers.forget", user=user, data={"counts": dict(report.counts)})
    logger.info("A person was forgotten: %s", report)
    return report
