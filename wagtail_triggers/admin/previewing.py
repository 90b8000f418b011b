"""Letter contexts for previews and test letters: sample data, or as a chosen real contact.

A real contact's preview uses their name and their latest cart or order in the scenario
(the chain's snapshot, else their latest event), so an editor sees the letter as that customer
would. Links stay sample links: nothing in a preview or a test letter acts on the contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..context import chosen_contact_context, sample_context
from ..events import EventKind
from ..models import Contact, Enrollment, Event
from ..shipped import letter_kind

if TYPE_CHECKING:  # pragma: no cover
    from ..scenarios.base import ScenarioKind

SUBJECT_EVENTS = {
    "cart": (EventKind.CART_UPDATED,),
    "order": (EventKind.ORDER_COMPLETED, EventKind.ORDER_CANCELLED),
}


def purchase_of(contact: Contact, kind: ScenarioKind | None) -> dict[str, Any] | None:
    """The contact's own cart or order for this kind of letter: their latest chain's snapshot,
    else their latest event with lines; None when they have none (or the kind has no subject)."""
    subject_type = kind.subject_type if kind else None
    if not subject_type:
        return None
    enrollment = (
        Enrollment.objects.filter(contact=contact, scenario__kind=kind.kind)
        .exclude(snapshot={})
        .order_by("-pk")
        .first()
    )
    if enrollment and enrollment.snapshot.get(subject_type):
        return enrollment.snapshot[subject_type]
    event = (
        Event.objects.filter(contact=contact, kind__in=SUBJECT_EVENTS.get(subject_type, ()))
        .exclude(data={})
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if event and event.data.get("lines"):
        return event.data
    return None


def letter_context(key: str, language: str, *, contact: Contact | None = None, is_test: bool = False) -> dict[str, Any]:
    """The context of letter ``key`` in ``language``: sample data, or as ``contact``."""
    if contact is None:
        return sample_context(key, language, is_test=is_test)
    purchase = purchase_of(contact, letter_kind(key))
    return chosen_contact_context(key, language, contact=contact, purchase=purchase, is_test=is_test)
