"""Filters available in every letter (loaded automatically; no ``{% load %}`` needed)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import formats, translation

register = template.Library()

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "RUB": "₽", "JPY": "¥", "CHF": "CHF", "SEK": "kr"}
_PREFIX_LANGUAGES = {"en"}


@register.filter
def money(value: Any, currency: str = "") -> str:
    """``{{ line.unit_price|money:cart.currency }}`` → "€29.90" (en) or "29,90 €" (ru)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    number = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    code = (currency or "").upper()
    symbol = _SYMBOLS.get(code, code)
    if not symbol:
        return number
    language = (translation.get_language() or "en").split("-")[0]
    if language in _PREFIX_LANGUAGES and len(symbol) == 1:
        return f"{symbol}{number}"
    return f"{number}\u00a0{symbol}"
