"""Filters for the app's admin templates (``{% load triggers_admin %}``)."""

from __future__ import annotations

from django import template

from ..labels import reason_label as _reason_label

register = template.Library()


@register.filter
def reason_label(reason: str) -> str:
    """``{{ delivery.reason|reason_label }}``: "goal: order_completed" → "Goal reached: placed an order"."""
    return _reason_label(reason or "")
