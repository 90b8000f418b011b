"""What the admin shows in words: a chain's subject and how it ended (not internal ids), and
built-in step names and descriptions with the numbers the chain has now (not the shipped ones).

``Enrollment.subject_id`` and ``stop_reason`` are keys for the engine ("absence:2026-12-01T23:02…",
"goal: order_completed"); these turn them into "absence since Dec. 1, 2026", "cart 4 — €69.50"
and "Goal reached: placed an order".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .choices import StopReason
from .goals import goal_label
from .scenarios.base import chain_numbers
from .templatetags.triggers_letters import money

if TYPE_CHECKING:  # pragma: no cover
    from .models import Enrollment, Scenario, Step


def _amount(data: dict[str, Any]) -> str:
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


# --- names and descriptions that state numbers ----------------------------------------------


def _languages() -> list[str]:
    return list(dict.fromkeys(["en", *(code.split("-")[0] for code, _name in settings.LANGUAGES)]))


@lru_cache(maxsize=256)
def _shape(text: str) -> re.Pattern[str]:
    """``text`` with each {placeholder} standing for any number."""
    return re.compile(r"-?\d+".join(re.escape(part) for part in re.split(r"\{\w+\}", text)))


def _as_shipped(value: str, pattern: str | Promise) -> bool:
    """Does ``value`` read as ``pattern`` does, in one of the site's languages and with any numbers
    (so it was provisioned, not written by an editor)?"""
    value = value.strip()
    for language in _languages():
        with translation.override(language):
            text = str(pattern)
        if _shape(text).fullmatch(value):
            return True
    return False


def generated_step_name(step: Step) -> str | None:
    """A built-in name that states the coupon ("A hidden {n} % discount"), said with the step's
    current percent in the admin's language; None when the name is an editor's own (or has no
    number to state)."""
    try:
        kind = step.scenario.kind_class
    except LookupError:
        return None
    spec = next((spec for spec in kind.default_steps if spec.key == step.template_key), None)
    if spec is None or spec.name_pattern is None or step.coupon_percent is None:
        return None
    if not _as_shipped(step.name, spec.name_pattern):
        return None
    return str(spec.name_pattern).format(n=step.coupon_percent)


def step_name(step: Step) -> str:
    """The step's name as the admin shows it: a built-in one in the admin's language (with the
    current coupon, see :func:`generated_step_name`), an editor's own as written."""
    generated = generated_step_name(step)
    if generated:
        return generated
    try:
        kind = step.scenario.kind_class
    except LookupError:
        return step.name
    spec = next((spec for spec in kind.default_steps if spec.key == step.template_key), None)
    return str(spec.name) if spec is not None and _as_shipped(step.name, spec.name) else step.name


def scenario_name(scenario: Scenario) -> str:
    """The scenario's name as the admin shows it: the kind's own name in the admin's language
    while the scenario keeps the provisioned one, an editor's own name as written."""
    try:
        kind = scenario.kind_class
    except LookupError:
        return scenario.name
    return str(kind.name) if _as_shipped(scenario.name, kind.name) else scenario.name


def chain_description(scenario: Scenario, steps: Iterable[Step] | None = None) -> str:
    """What the scenario's kind does, with the chain's current numbers (coupons, days)."""
    try:
        kind = scenario.kind_class
    except LookupError:
        return scenario.description
    if kind.description_pattern is None:
        return str(kind.description)
    chain = sorted(scenario.steps.all() if steps is None else steps, key=lambda step: step.position)
    numbers = kind.description_numbers(
        chain_numbers((step.template_key, step.delay, step.coupon_percent) for step in chain if step.enabled)
    )
    known = {name: value for name, value in numbers.items() if value is not None}
    try:
        return str(kind.description_pattern).format(**known)
    except (KeyError, IndexError):  # the chain lost a letter the description speaks of
        return str(kind.description)


def scenario_description(scenario: Scenario, steps: Iterable[Step] | None = None) -> str:
    """The scenario's description as the admin shows it: a built-in one that states the chain's
    numbers is said with the chain's current ones, in the admin's language; an editor's own as written."""
    try:
        pattern = scenario.kind_class.description_pattern
    except LookupError:
        return scenario.description
    if pattern is None or not _as_shipped(scenario.description, pattern):
        return scenario.description
    return chain_description(scenario, steps)
