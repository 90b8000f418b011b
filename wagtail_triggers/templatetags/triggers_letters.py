"""Filters available in every letter (loaded automatically; no ``{% load %}`` needed)."""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.html import conditional_escape, format_html

from ..letter_language import plural_index
from ..tracking import click_url, open_pixel_url

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


@register.filter
def plural_form(number: Any) -> int:
    """``{% if days|plural_form == 1 %}``: the index of the plural form the letter's language uses
    for ``number`` (0, 1, 2 for 1 день, 2 дня, 5 дней); letters shown in their own language use it."""
    return plural_index(number)


class TrackClickNode(template.Node):
    """Turns the URL it wraps into a signed click-tracking link when the letter tracks clicks."""

    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        rendered = self.nodelist.render(context)
        letter = context.get("letter") or {}
        if not (letter.get("track_clicks") and letter.get("delivery_id")):
            return rendered
        url = html.unescape(rendered).strip()
        if not url.startswith(("http://", "https://")):
            return rendered
        return conditional_escape(click_url(letter["delivery_id"], url))


@register.tag("track_click")
def track_click(parser, token) -> TrackClickNode:
    """``{% track_click %}{{ links.cart }}{% end_track_click %}`` (added around hrefs at compile time)."""
    nodelist = parser.parse(("end_track_click",))
    parser.delete_first_token()
    return TrackClickNode(nodelist)


@register.simple_tag(takes_context=True)
def open_pixel(context: template.Context) -> str:
    """A 1×1 image that records an open, when the letter tracks opens (added at compile time)."""
    letter = context.get("letter") or {}
    if not (letter.get("track_opens") and letter.get("delivery_id")):
        return ""
    return format_html(
        '<img src="{}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" />',
        open_pixel_url(letter["delivery_id"]),
    )
