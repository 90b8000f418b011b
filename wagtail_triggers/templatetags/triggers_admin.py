"""Filters for the app's admin templates (``{% load triggers_admin %}``)."""

from __future__ import annotations

from django import template

from .. import labels

register = template.Library()


@register.filter
def reason_label(reason: str) -> str:
    """``{{ delivery.reason|reason_label }}``: "goal: order_completed" → "Goal reached: placed an order"."""
    return labels.reason_label(reason or "")


@register.filter
def step_name(step) -> str:
    """``{{ step|step_name }}``: a built-in name that states the coupon says the current one."""
    return labels.step_name(step)


@register.filter
def scenario_name(scenario) -> str:
    """``{{ scenario|scenario_name }}``: a built-in scenario's name in the admin's language."""
    return labels.scenario_name(scenario) if scenario is not None else ""


@register.filter
def scenario_description(scenario) -> str:
    """``{{ scenario|scenario_description }}``: the stored description, its numbers the chain's own."""
    return labels.scenario_description(scenario)


@register.filter
def chain_description(scenario) -> str:
    """``{{ scenario|chain_description }}``: what the kind does, with this chain's numbers."""
    return labels.chain_description(scenario)


@register.filter
def subject_label(enrollment) -> str:
    """``{{ enrollment|subject_label }}``: "cart 4 — €69.50", "absence since Dec. 1, 2026"."""
    return labels.subject_label(enrollment)


@register.filter
def outcome_label(enrollment) -> str:
    """``{{ enrollment|outcome_label }}``: "Goal reached: placed an order", "Stopped (Unsubscribed)"."""
    return labels.outcome_label(enrollment)
