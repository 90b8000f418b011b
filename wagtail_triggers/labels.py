"""What the admin shows for a chain: its subject and how it ended, in words, not internal ids.

``Enrollment.subject_id`` and ``stop_reason`` are keys for the engine ("absence:2026-12-01T23:02…",
"goal: order_completed"); these turn them into "absence since Dec. 1, 2026", "cart 4 — €69.50"
and "Goal reached: placed an order".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .choices import StopReason

if TYPE_CHECKING:  # pragma: no cover
    from .models import Enrollment


def _amount(data: dict[str, Any]) -> str:
    from .templatetags.triggers_letters import money

    return money(data.get("total"), data.get("currency") or "") if data.get("total") not in (None, "") else ""


def subject_label(enrollment: Enrollment) -> str:
    """The chain's subject as a shop owner says it: a cart or order with its value, an absence
    with the day it began; anything else (a site's own kind) as stored."""
    snapshot = enrollment.snapshot or {}
    subject = enrollment.subject_id
    if isinstance(snapshot.get("cart"), dict):
        cart = snapshot["cart"]
        label = _("cart %(id)s") % {"id": cart.get("id") or subject}
        amount = _amount(cart)
    elif isinstance(snapshot.get("order"), dict):
        order = snapshot["order"]
        label = _("order %(number)s") % {"number": order.get("number") or order.get("id") or subject}
        amount = _amount(order)
    elif subject.startswith("absence:") and enrollment.anchor_at:
        since = date_format(timezone.localtime(enrollment.anchor_at), "DATE_FORMAT")
        return _("absence since %(date)s") % {"date": since}
    else:
        return subject
    return f"{label} — {amount}" if amount else label


def reason_label(reason: str) -> str:
    """A stop or skip reason in words: the built-in ones translated, a matched goal as what the
    customer did, a kind's own short reason as it is."""
    from .goals import goal_label

    did = goal_label(reason)
    if did is not None:
        return _("Goal reached: %(what)s") % {"what": did}
    if reason in StopReason.values:
        return str(StopReason(reason).label)
    return reason


def outcome_label(enrollment: Enrollment) -> str:
    """How a chain stands or ended: "Active", "Completed", "Goal reached: placed an order",
    "Stopped (Unsubscribed)"."""
    state = str(enrollment.get_state_display())
    reason = enrollment.stop_reason
    if not reason or enrollment.state == enrollment.State.ACTIVE:
        return state
    said = reason_label(reason)
    if enrollment.state == enrollment.State.GOAL:  # every goal reason already says "Goal reached…"
        return said
    return f"{state} ({said})"
