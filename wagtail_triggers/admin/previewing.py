"""Letter contexts for previews and test letters: sample data, or as a chosen real contact.

A real contact's preview uses their name and their latest cart or order in the scenario
(the chain's snapshot, else their latest event), so an editor sees the letter as that customer
would. Links stay sample links: nothing in a preview or a test letter acts on the contact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ..context import build_context, contact_context, coupon_context
from ..events import EventKind
from ..links import absolute
from ..models import Contact, Enrollment, Event
from ..samples import sample_commerce, sample_context
from ..scenarios.registry import UnknownKind, registry

SUBJECT_EVENTS = {
    "cart": (EventKind.CART_UPDATED,),
    "order": (EventKind.ORDER_COMPLETED, EventKind.ORDER_CANCELLED),
}


def _kind(key: str):
    try:
        return registry.get(key.split("/", 1)[0])
    except UnknownKind:
        return None


def _snapshot_for(contact: Contact, kind) -> tuple[dict[str, Any], bool]:
    """The contact's own cart or order for this kind of letter, and whether it is real."""
    subject_type = kind.subject_type if kind else None
    if not subject_type:
        return {}, True
    enrollment = (
        Enrollment.objects.filter(contact=contact, scenario__kind=kind.kind)
        .exclude(snapshot={})
        .order_by("-pk")
        .first()
    )
    if enrollment and enrollment.snapshot.get(subject_type):
        return {subject_type: enrollment.snapshot[subject_type]}, True
    event = (
        Event.objects.filter(contact=contact, kind__in=SUBJECT_EVENTS.get(subject_type, ()))
        .exclude(data={})
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if event and event.data.get("lines"):
        return {subject_type: event.data}, True
    return {subject_type: sample_commerce(subject_type)}, False


def letter_context(key: str, language: str, *, contact: Contact | None = None, is_test: bool = False) -> dict[str, Any]:
    """The context of letter ``key`` in ``language``: sample data, or as ``contact``."""
    if contact is None:
        context = sample_context(key, language)
    else:
        kind = _kind(key)
        steps = [spec.key for spec in kind.default_steps] if kind else [key]
        snapshot, _real = _snapshot_for(contact, kind)
        context = build_context(
            contact=contact_context(
                email=contact.email, first_name=contact.first_name, last_name=contact.last_name, language=language
            ),
            scenario={"kind": kind.kind, "name": str(kind.name)} if kind else {"kind": key.split("/", 1)[0]},
            position=steps.index(key) + 1 if key in steps else 1,
            steps=len(steps),
            snapshot=snapshot,
            coupon=coupon_context("SAMPLE-5K2Q", 5, timezone.now() + timedelta(days=7)),
            links={
                "unsubscribe": absolute("/triggers/unsubscribe/sample/"),
                "preferences": absolute("/triggers/unsubscribe/sample/"),
            },
        )
    if is_test:
        context["letter"] = {**context.get("letter", {}), "is_test": True}
    return context
