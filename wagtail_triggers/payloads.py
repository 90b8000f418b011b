"""The documented shape of event data, validated before anything is stored.

A shop sends plain JSON-able dicts; :func:`normalize_cart` and :func:`normalize_order`
check them and return a normalised copy (prices as decimal strings, totals computed when
missing). A malformed payload raises :class:`InvalidPayload` with every problem listed,
so the event is refused whole instead of being half-stored.

Everything that reaches the database is bounded here, so the engine never meets a value its
columns cannot hold: text lengths match the model columns, no string carries a NUL or a lone
surrogate (PostgreSQL refuses both), numbers are finite, and free-form data survives
``json.dumps(allow_nan=False)``. Customer details are a whitelist: an event may never set a
contact's email, user, counters, ids or timestamps.
"""

from __future__ import annotations

import json
import logging
import math
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .currencies import ISO_4217
from .links import host_of, is_allowed_host

logger = logging.getLogger(__name__)

MAX_LINES = 200
MAX_RECOMMENDATIONS = 6  # recommended products an order may carry (and a letter shows)
MAX_QUANTITY = 10**6
# Conversion.revenue is DecimalField(max_digits=14, decimal_places=2): every amount and
# every total (computed ones included) must stay below 10^12 to be storable.
MAX_AMOUNT = Decimal("1e12")
MAX_URL = 2000
MAX_DATA_BYTES = 64 * 1024  # free-form data of customer events, serialised
MAX_DEPTH = 20  # nesting of free-form data
MAX_ERRORS = 20  # a hostile payload gets a readable list, not a million lines

# The contact fields an event may set, with the length of their column on Contact.
CUSTOMER_FIELDS: dict[str, int] = {"first_name": 150, "last_name": 150, "language": 10, "time_zone": 64}

_url = URLValidator(schemes=["http", "https"])


def _too_long(where: str, limit: int) -> str:
    return ngettext(
        "%(field)s is longer than %(limit)d character", "%(field)s is longer than %(limit)d characters", limit
    ) % {"field": where, "limit": limit}


def _more_problems(count: int) -> str:
    return ngettext("… and %(n)d more problem", "… and %(n)d more problems", count) % {"n": count}


class InvalidPayload(ValueError):
    """Raised with a list of human-readable problems in ``errors``."""

    def __init__(self, errors: list[str]):
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], _more_problems(len(errors) - MAX_ERRORS)]
        self.errors = errors
        super().__init__("; ".join(errors))


class InvalidEvent(InvalidPayload):
    """The event was refused; ``errors`` lists every problem. Nothing was stored.

    Public as ``wagtail_triggers.InvalidEvent`` and ``wagtail_triggers.events.InvalidEvent``.
    """


def text_problem(text: str) -> str | None:
    """Why a string cannot be stored (NUL, lone surrogate), or None."""
    if "\x00" in text:
        return _("contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _("is not valid Unicode text")
    return None


def _text(value: Any, where: str, errors: list[str], *, required: bool, limit: int = 255) -> str:
    if value is None or value == "":
        if required:
            errors.append(_("%(field)s is required") % {"field": where})
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append(_("%(field)s must be a string") % {"field": where})
        return ""
    if isinstance(value, int) and abs(value) >= 10**limit:
        errors.append(_too_long(where, limit))
        return ""
    text = str(value).strip()
    problem = text_problem(text)
    if problem:
        errors.append(f"{where} {problem}")
        return ""
    if len(text) > limit:
        errors.append(_too_long(where, limit))
    return text


def normalize_text(value: Any, where: str, errors: list[str], *, limit: int = 255) -> str:
    """An optional string (or integer) that fits a ``CharField(max_length=limit)``."""
    return _text(value, where, errors, required=False, limit=limit)


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
    if not isinstance(value, str | int | Decimal) or (isinstance(value, str) and len(value) > 64):
        errors.append(_("%(field)s is not a number: %(value)r") % {"field": where, "value": str(value)[:40]})
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(_("%(field)s is not a number: %(value)r") % {"field": where, "value": str(value)[:40]})
        return None
    if not _storable(amount):
        errors.append(_("%(field)s must be a non-negative amount below 10^12") % {"field": where})
        return None
    return str(amount.quantize(Decimal("0.01")))


def _storable(amount: Decimal) -> bool:
    return amount.is_finite() and Decimal(0) <= amount < MAX_AMOUNT


def _link(value: Any, where: str, errors: list[str], *, own_host: bool = False) -> str:
    """An absolute http(s) URL. ``own_host``: a link in the letter that the click redirect
    follows, so it must lead to the shop (``TRIGGERS_ALLOWED_LINK_HOSTS``); one that does not is
    dropped — the letter then links to the shop instead — and logged, never stored."""
    text = _text(value, where, errors, required=False, limit=MAX_URL)
    if text:
        try:
            _url(text)
        except ValidationError:
            errors.append(_("%(field)s must be an absolute http(s) URL") % {"field": where})
            return ""
        if own_host and not is_allowed_host(host_of(text)):
            logger.warning(
                "Dropped %s %r from an event: its host is not in TRIGGERS_ALLOWED_LINK_HOSTS", where, text[:200]
            )
            return ""
    return text


def _currency(value: Any, errors: list[str]) -> str:
    code = _text(value, "currency", errors, required=True, limit=3)
    if code and code.upper() not in ISO_4217:
        errors.append(_("currency must be a three-letter ISO 4217 code such as EUR, not %(code)r") % {"code": code})
    return code.upper()


def _quantity(value: Any, where: str, errors: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        errors.append(
            _("%(field)s.quantity must be a whole number from 1 to %(max)d") % {"field": where, "max": MAX_QUANTITY}
        )
        return 0
    return value


def _lines(value: Any, errors: list[str]) -> list[dict[str, Any]]:
    if value is None:
        value = []
    if not isinstance(value, list):
        errors.append(_("lines must be a list"))
        return []
    if len(value) > MAX_LINES:
        errors.append(
            ngettext(
                "a cart or order may have at most %(n)d line", "a cart or order may have at most %(n)d lines", MAX_LINES
            )
            % {"n": MAX_LINES}
        )
        return []
    lines = []
    for index, raw in enumerate(value):
        where = f"lines[{index}]"
        if not isinstance(raw, dict):
            errors.append(_("%(field)s must be an object") % {"field": where})
            continue
        lines.append(
            {
                "product_id": _text(raw.get("product_id"), f"{where}.product_id", errors, required=False),
                "name": _text(raw.get("name"), f"{where}.name", errors, required=True),
                "variant": _text(raw.get("variant"), f"{where}.variant", errors, required=False),
                "quantity": _quantity(raw.get("quantity"), where, errors),
                "unit_price": _money(raw.get("unit_price"), f"{where}.unit_price", errors, required=True),
                "image_url": _link(raw.get("image_url"), f"{where}.image_url", errors),
                "url": _link(raw.get("url"), f"{where}.url", errors, own_host=True),
            }
        )
    return lines


def _product(raw: Any, where: str, errors: list[str]) -> dict[str, Any] | None:
    """A recommended product: the line shape without a quantity; price and currency optional."""
    if not isinstance(raw, dict):
        errors.append(_("%(field)s must be an object") % {"field": where})
        return None
    currency = _text(raw.get("currency"), f"{where}.currency", errors, required=False, limit=3).upper()
    if currency and currency not in ISO_4217:
        errors.append(_("%(field)s must be a three-letter ISO 4217 code") % {"field": f"{where}.currency"})
    return {
        "product_id": _text(raw.get("product_id"), f"{where}.product_id", errors, required=False),
        "name": _text(raw.get("name"), f"{where}.name", errors, required=True),
        "variant": _text(raw.get("variant"), f"{where}.variant", errors, required=False),
        "unit_price": _money(raw.get("unit_price"), f"{where}.unit_price", errors, required=False),
        "currency": currency,
        "image_url": _link(raw.get("image_url"), f"{where}.image_url", errors),
        "url": _link(raw.get("url"), f"{where}.url", errors, own_host=True),
    }


def _products(value: Any, where: str, errors: list[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(_("%(field)s must be a list") % {"field": where})
        return []
    if len(value) > MAX_RECOMMENDATIONS:
        errors.append(
            ngettext(
                "%(field)s may hold at most %(n)d product",
                "%(field)s may hold at most %(n)d products",
                MAX_RECOMMENDATIONS,
            )
            % {"field": where, "n": MAX_RECOMMENDATIONS}
        )
        return []
    products = (_product(raw, f"{where}[{index}]", errors) for index, raw in enumerate(value))
    return [product for product in products if product is not None]


def normalize_recommendations(raw: Any, where: str = "recommendations") -> list[dict[str, Any]]:
    """Recommended products (``order.recommendations`` or a recommender's answer), validated."""
    errors: list[str] = []
    products = _products(raw, where, errors)
    if errors:
        raise InvalidPayload(errors)
    return products


def _total(raw: dict[str, Any], lines: list[dict[str, Any]], errors: list[str]) -> str:
    total = _money(raw.get("total"), "total", errors, required=False)
    if total is None and not errors:
        computed = sum((Decimal(line["unit_price"]) * line["quantity"] for line in lines), Decimal("0.00"))
        if not _storable(computed):
            errors.append(_("the lines add up to %(total)s, above the limit of 10^12") % {"total": computed})
            return "0.00"
        total = str(computed)
    return total or "0.00"


MAX_COUPON_CODES = 20  # coupon or voucher codes one order may carry


def _coupon_codes(value: Any, errors: list[str]) -> list[str]:
    """``coupon_codes``: the coupon and voucher codes the order used (the reports count the
    letters' coupons among them); strings, at most ``MAX_COUPON_CODES``, duplicates dropped."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(_("%(field)s must be a list") % {"field": "coupon_codes"})
        return []
    if len(value) > MAX_COUPON_CODES:
        errors.append(
            ngettext(
                "an order may carry at most %(n)d coupon code",
                "an order may carry at most %(n)d coupon codes",
                MAX_COUPON_CODES,
            )
            % {"n": MAX_COUPON_CODES}
        )
        return []
    codes = (_text(code, f"coupon_codes[{index}]", errors, required=True) for index, code in enumerate(value))
    return list(dict.fromkeys(code for code in codes if code))


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
        "url": _link(raw.get("url"), "url", errors, own_host=True),
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
    """Validate order data: ``{id, number?, cart_id?, url, reorder_url?, currency, lines, total?,
    recommendations?}``.

    ``reorder_url`` puts the order's products back into a cart (the cancelled-order letters'
    buttons); ``recommendations`` are products the follow-up's "offers" letter shows.
    """
    return _normalize_purchase(
        raw,
        "order",
        {
            "number": lambda r, e: _text(r.get("number") or r.get("id"), "number", e, required=False),
            "cart_id": lambda r, e: _text(r.get("cart_id"), "cart_id", e, required=False),
            "coupon_codes": lambda r, e: _coupon_codes(r.get("coupon_codes"), e),
            "reorder_url": lambda r, e: _link(r.get("reorder_url"), "reorder_url", e, own_host=True),
            "recommendations": lambda r, e: _products(r.get("recommendations"), "recommendations", e),
        },
    )


def normalize_customer(raw: Any, where: str = "customer") -> dict[str, str]:
    """Optional customer details: only ``first_name``, ``last_name``, ``language``, ``time_zone``.

    Any other key (``email``, ``user_id``, ``orders_count``, …) is refused by name: these are
    the contact's identity and history, which only the app itself may change.
    """
    if raw is None:
        return {}
    raw = _require_object(raw, where)
    errors: list[str] = [
        _("%(field)s may not be set by an event; allowed: %(allowed)s")
        % {"field": f"{where}.{key}", "allowed": ", ".join(CUSTOMER_FIELDS)}
        for key in raw
        if key not in CUSTOMER_FIELDS
    ]
    customer = {
        key: _text(raw.get(key), f"{where}.{key}", errors, required=False, limit=limit)
        for key, limit in CUSTOMER_FIELDS.items()
    }
    if customer["time_zone"]:
        try:
            ZoneInfo(customer["time_zone"])
        except (ZoneInfoNotFoundError, ValueError, OSError):
            errors.append(_("%(field)s is not a known IANA time zone") % {"field": f"{where}.time_zone"})
    if errors:
        raise InvalidPayload(errors)
    return {key: value for key, value in customer.items() if value}


def check_json(value: Any, where: str, errors: list[str], depth: int = 0) -> None:
    """Append why ``value`` is not plain, storable JSON: NUL, non-finite numbers, other types."""
    if len(errors) > MAX_ERRORS:
        return
    if depth > MAX_DEPTH:
        errors.append(
            ngettext(
                "%(field)s is nested deeper than %(n)d level", "%(field)s is nested deeper than %(n)d levels", MAX_DEPTH
            )
            % {"field": where, "n": MAX_DEPTH}
        )
    elif value is None or isinstance(value, bool | int):
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            errors.append(_("%(field)s must be a finite number") % {"field": where})
    elif isinstance(value, str):
        problem = text_problem(value)
        if problem:
            errors.append(f"{where} {problem}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]", errors, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or text_problem(key):
                errors.append(_("%(field)s has a key that is not plain text") % {"field": where})
                continue
            check_json(item, f"{where}.{key}", errors, depth + 1)
    else:
        errors.append(_("%(field)s is a %(type)s, which is not JSON") % {"field": where, "type": type(value).__name__})


def normalize_free_data(raw: Any, where: str = "data") -> dict[str, Any]:
    """Free-form data of customer events: a JSON object, plain and bounded (stored, not used)."""
    if raw is None:
        return {}
    raw = _require_object(raw, where)
    errors: list[str] = []
    check_json(raw, where, errors)
    if not errors:
        size = len(json.dumps(raw, allow_nan=False))
        if size > MAX_DATA_BYTES:
            errors.append(
                ngettext(
                    "%(field)s is %(size)d byte as JSON; at most %(max)d",
                    "%(field)s is %(size)d bytes as JSON; at most %(max)d",
                    size,
                )
                % {"field": where, "size": size, "max": MAX_DATA_BYTES}
            )
    if errors:
        raise InvalidPayload(errors)
    return raw
