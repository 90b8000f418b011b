"""The documented shape of cart and order data, validated before anything is stored.

A shop sends plain JSON-able dicts; :func:`normalize_cart` and :func:`normalize_order`
check them and return a normalised copy (prices as decimal strings, totals computed when
missing). A malformed payload raises :class:`InvalidPayload` with every problem listed,
so the event is refused whole instead of being half-stored.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

MAX_LINES = 200
MAX_AMOUNT = Decimal("1e15")
_url = URLValidator(schemes=["http", "https"])


class InvalidPayload(ValueError):
    """Raised with a list of human-readable problems in ``errors``."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def _text(value: Any, where: str, errors: list[str], *, required: bool, limit: int = 255) -> str:
    if value is None or value == "":
        if required:
            errors.append(_("%(field)s is required") % {"field": where})
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append(_("%(field)s must be a string") % {"field": where})
        return ""
    text = str(value).strip()
    if len(text) > limit:
        errors.append(_("%(field)s is longer than %(limit)d characters") % {"field": where, "limit": limit})
    return text


def _money(value: Any, where: str, errors: list[str], *, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            errors.append(_("%(field)s is required") % {"field": where})
        return None
    if isinstance(value, float | bool):
        errors.append(
            _('%(field)s must be a decimal string such as "19.90", not a float or boolean') % {"field": where}
        )
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(_("%(field)s is not a number: %(value)r") % {"field": where, "value": value})
        return None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        errors.append(_("%(field)s must be a non-negative amount below 10^15") % {"field": where})
        return None
    return str(amount.quantize(Decimal("0.01")))


def _link(value: Any, where: str, errors: list[str]) -> str:
    text = _text(value, where, errors, required=False, limit=2000)
    if text:
        try:
            _url(text)
        except ValidationError:
            errors.append(_("%(field)s must be an absolute http(s) URL") % {"field": where})
            return ""
    return text


def _currency(value: Any, errors: list[str]) -> str:
    code = _text(value, "currency", errors, required=True, limit=3)
    if code and not (len(code) == 3 and code.isalpha()):
        errors.append(_("currency must be a three-letter ISO 4217 code"))
    return code.upper()


def _lines(value: Any, errors: list[str]) -> list[dict[str, Any]]:
    if value is None:
        value = []
    if not isinstance(value, list):
        errors.append(_("lines must be a list"))
        return []
    if len(value) > MAX_LINES:
        errors.append(_("a cart or order may have at most %(n)d lines") % {"n": MAX_LINES})
        return []
    lines = []
    for index, raw in enumerate(value):
        where = f"lines[{index}]"
        if not isinstance(raw, dict):
            errors.append(_("%(field)s must be an object") % {"field": where})
            continue
        quantity = raw.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            errors.append(_("%(field)s.quantity must be a positive whole number") % {"field": where})
            quantity = 0
        lines.append(
            {
                "product_id": _text(raw.get("product_id"), f"{where}.product_id", errors, required=False),
                "name": _text(raw.get("name"), f"{where}.name", errors, required=True),
                "variant": _text(raw.get("variant"), f"{where}.variant", errors, required=False),
                "quantity": quantity,
                "unit_price": _money(raw.get("unit_price"), f"{where}.unit_price", errors, required=True),
                "image_url": _link(raw.get("image_url"), f"{where}.image_url", errors),
                "url": _link(raw.get("url"), f"{where}.url", errors),
            }
        )
    return lines


def _total(raw: dict[str, Any], lines: list[dict[str, Any]], errors: list[str]) -> str:
    total = _money(raw.get("total"), "total", errors, required=False)
    if total is None and not errors:
        total = str(sum((Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal("0.00")))
    return total or "0.00"


def _require_object(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidPayload([_("%(what)s data must be an object") % {"what": what}])
    return raw


def _normalize_purchase(raw: Any, what: str, extra: dict[str, Any]) -> dict[str, Any]:
    raw = _require_object(raw, what)
    errors: list[str] = []
    data = {
        "id": _text(raw.get("id"), "id", errors, required=True),
        **{name: read(raw, errors) for name, read in extra.items()},
        "url": _link(raw.get("url"), "url", errors),
        "currency": _currency(raw.get("currency"), errors),
        "lines": _lines(raw.get("lines"), errors),
    }
    data["total"] = _total(raw, data["lines"], errors)
    if errors:
        raise InvalidPayload(errors)
    return data


def normalize_cart(raw: Any) -> dict[str, Any]:
    """Validate cart data: ``{id, url, currency, lines: [...], total?}``."""
    return _normalize_purchase(raw, "cart", {})


def normalize_order(raw: Any) -> dict[str, Any]:
    """Validate order data: ``{id, number?, cart_id?, url, currency, lines, total?}``."""
    return _normalize_purchase(
        raw,
        "order",
        {
            "number": lambda r, e: _text(r.get("number") or r.get("id"), "number", e, required=False),
            "cart_id": lambda r, e: _text(r.get("cart_id"), "cart_id", e, required=False),
        },
    )


def normalize_customer(raw: Any) -> dict[str, str]:
    """Optional customer details: ``{first_name, last_name, language, time_zone}``."""
    if raw is None:
        return {}
    raw = _require_object(raw, "customer")
    errors: list[str] = []
    customer = {
        key: _text(raw.get(key), f"customer.{key}", errors, required=False, limit=limit)
        for key, limit in (
            ("first_name", 150),
            ("last_name", 150),
            ("language", 10),
            ("time_zone", 64),
        )
    }
    if customer["time_zone"]:
        try:
            ZoneInfo(customer["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(_("customer.time_zone is not a known IANA time zone"))
    if errors:
        raise InvalidPayload(errors)
    return {key: value for key, value in customer.items() if value}
