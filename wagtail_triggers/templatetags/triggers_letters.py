"""Filters available in every letter (loaded automatically; no ``{% load %}`` needed)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django import template
from django.utils import formats, translation

register = template.Library()

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "RUB": "₽", "JPY": "¥", "CHF": "CHF", "SEK": "kr"}
_PREFIX_LANGUAGES = {"en"}


@lru_cache(maxsize=64)
def _separators(language: str) -> tuple[str, str]:
    """The locale's decimal and thousand separators (looked up once per language)."""
    with translation.override(language):
        return formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")


@register.filter
def money(value: Any, currency: str = "") -> str:
    """``{{ line.unit_price|money:purchase.currency }}`` → "€29.90" (en) or "29,90 €" (ru)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    language = (translation.get_language() or "en").split("-")[0]
    decimal_sep, thousand_sep = _separators(language)
    number = f"{amount:,.2f}".replace(",", "\x00").replace(".", decimal_sep).replace("\x00", thousand_sep)
    code = (currency or "").upper()
    symbol = _SYMBOLS.get(code, code)
    if not symbol:
        return number
    if language in _PREFIX_LANGUAGES and len(symbol) == 1:
        return f"{symbol}{number}"
    return f"{number}\u00a0{symbol}"
