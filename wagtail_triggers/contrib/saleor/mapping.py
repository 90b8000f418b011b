"""Saleor webhook payloads → calls of :func:`wagtail_triggers.record_event`.

One function per Saleor event returns the events to record (usually one, none when there is
nothing to mail — a guest checkout without an email, an order update that is not a
cancellation). The idempotency key of each event is chosen so that what is one fact in the
shop is one event here:

* checkout changes: a hash of event name + raw body — Saleor's retries resend the same body, so
  they collapse, while a real change (new body) is a new event;
* orders and customers: the meaning — ``<install>:order_cancelled:<order id>`` — so the two
  webhooks Saleor sends for one cancellation (ORDER_CANCELLED and ORDER_UPDATED with status
  CANCELED) are one event, and so is any retry of either.

``ORDER_CREATED`` carries ``checkoutId``, the global id of the checkout the order came from —
the same id the checkout's events used as the cart id — which ends the forgotten-cart chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wagtail_triggers.events import EventKind

from . import conf


class MalformedPayload(ValueError):
    """The body is not the shape our subscription query produces (answered with 400)."""


@dataclass
class Planned:
    """One ``record_event`` call, ready to make."""

    kind: str
    email: str
    key: str
    occurred_at: datetime
    data: dict[str, Any] | None = None
    customer_id: str | None = None
    customer: dict[str, str] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "key": self.key,
            "occurred_at": self.occurred_at,
            "data": self.data,
            "customer_id": self.customer_id,
            "customer": self.customer or None,
        }


@dataclass
class Plan:
    events: list[Planned] = field(default_factory=list)
    ignored: str = ""  # why nothing is recorded


# -- small readers ------------------------------------------------------------------------------


def _object(value: Any, where: str, *, required: bool = True) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value is None and not required:
        return {}
    raise MalformedPayload(f"{where} must be an object")


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


MAX_AMOUNT = Decimal(10) ** 15


def _amount(value: Any) -> Any:
    """Money amounts (parsed from JSON as Decimal) as decimal strings; anything else as is,
    for ``record_event`` to refuse with a message. Absurd magnitudes are malformed."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        return value
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        return value
    if amount.is_finite() and abs(amount) >= MAX_AMOUNT:
        raise MalformedPayload(f"amount {str(value)[:20]} is out of range")
    return str(value).strip()


def _absolute(url: Any) -> str:
    url = _text(url)
    return url if url.startswith(("http://", "https://")) else ""


def _image(value: Any) -> str:
    """An ``Image { url }`` as an absolute URL, or "" (a missing or relative image drops, not fails)."""
    return _absolute(value.get("url")) if isinstance(value, dict) else ""


def _fill(template: str | None, **values: Any) -> str:
    """A link from a settings template such as ``https://shop.example/products/{slug}/``."""
    if not template:
        return ""
    safe = {name: quote(str(value or ""), safe="") for name, value in values.items()}
    try:
        return template.format_map(safe)
    except (KeyError, IndexError, ValueError):
        return ""


def _language(code: Any) -> str:
    """Saleor's LanguageCodeEnum (``EN_US``) → ``en-us``."""
    return _text(code).replace("_", "-").lower()[:10]


def _moment(value: Any) -> datetime | None:
    try:
        moment = parse_datetime(value) if isinstance(value, str) and len(value) < 64 else None
    except ValueError:  # well-formed but impossible, e.g. month 13: no moment, not a crash
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


def issued_at(payload: dict[str, Any]) -> datetime:
    """When the change happened (Saleor's ``issuedAt``), never later than now."""
    now = timezone.now()
    moment = _moment(payload.get("issuedAt"))
    return min(moment, now) if moment else now


def _customer(user: dict[str, Any], language: Any = None) -> dict[str, str]:
    details = {
        "first_name": _text(user.get("firstName"))[:150],
        "last_name": _text(user.get("lastName"))[:150],
        "language": _language(language or user.get("languageCode")),
    }
    return {name: value for name, value in details.items() if value}


def _key(*parts: Any) -> str:
    key = ":".join(str(p) for p in parts)
    if len(key) > 255:
        key = f"{parts[0]}:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


# -- checkouts ----------------------------------------------------------------------------------


def checkout_lines(lines: Any) -> tuple[list[dict[str, Any]], str]:
    """The lines in our shape, and the currency of their prices."""
    if not isinstance(lines, list):
        raise MalformedPayload("checkout.lines must be a list")
    result, currency = [], ""
    for index, raw in enumerate(lines):
        line = _object(raw, f"checkout.lines[{index}]")
        variant = _object(line.get("variant"), f"checkout.lines[{index}].variant", required=False)
        product = _object(variant.get("product"), f"checkout.lines[{index}].variant.product", required=False)
        price = _object(line.get("undiscountedUnitPrice"), f"checkout.lines[{index}].undiscountedUnitPrice")
        name = _text(product.get("name")) or _text(variant.get("name"))
        variant_name = _text(variant.get("name"))
        currency = currency or _text(price.get("currency"))
        result.append(
            {
                "product_id": _text(variant.get("sku")) or _text(variant.get("id")),
                "name": name,
                "variant": variant_name if variant_name and variant_name != name else "",
                "quantity": line.get("quantity"),
                "unit_price": _amount(price.get("amount")),
                "image_url": _image(product.get("thumbnail")),
                "url": _fill(conf.get("TRIGGERS_SALEOR_PRODUCT_URL"), slug=product.get("slug")),
            }
        )
    return result, currency


def plan_checkout(install: Any, event: str, payload: dict[str, Any], body: bytes) -> Plan:
    checkout = _object(payload.get("checkout"), "checkout", required=False)
    if not checkout:
        return Plan(ignored="the payload has no checkout (is the app allowed to MANAGE_CHECKOUTS?)")
    checkout_id = _text(checkout.get("id"))
    if not checkout_id:
        raise MalformedPayload("checkout.id is required")
    user = _object(checkout.get("user"), "checkout.user", required=False)
    email = _text(checkout.get("email")) or _text(user.get("email"))
    if not email:
        return Plan(ignored="the checkout has no email yet")
    lines, line_currency = checkout_lines(checkout.get("lines") or [])
    channel = _object(checkout.get("channel"), "checkout.channel", required=False)
    currency = _text(channel.get("currencyCode")) or line_currency
    cart = {
        "id": checkout_id,
        "url": _fill(
            conf.get("TRIGGERS_SALEOR_CART_URL"),
            id=checkout_id,
            token=checkout.get("token"),
            channel=channel.get("slug"),
        ),
        "currency": currency,
        "lines": lines,
    }
    digest = hashlib.sha256(event.encode() + b"\n" + body).hexdigest()
    return Plan(
        [
            Planned(
                kind=EventKind.CART_UPDATED,
                email=email,
                key=_key(install.key_prefix, event, digest),
                occurred_at=issued_at(payload),
                data=cart,
                customer_id=_text(user.get("id")) or None,
                customer=_customer(user, checkout.get("languageCode")),
            )
        ]
    )


# -- orders -------------------------------------------------------------------------------------


def voucher_codes(order: dict[str, Any]) -> list[str]:
    """The voucher code the order used (``Order.voucherCode``): the coupon the reports count."""
    code = _text(order.get("voucherCode"))
    return [code] if code else []


def order_data(order: dict[str, Any]) -> dict[str, Any]:
    lines = order.get("lines") or []
    if not isinstance(lines, list):
        raise MalformedPayload("order.lines must be a list")
    result, line_currency = [], ""
    for index, raw in enumerate(lines):
        line = _object(raw, f"order.lines[{index}]")
        price = _object(
            _object(line.get("unitPrice"), f"order.lines[{index}].unitPrice").get("gross"),
            f"order.lines[{index}].unitPrice.gross",
        )
        variant = _object(line.get("variant"), f"order.lines[{index}].variant", required=False)
        product = _object(variant.get("product"), f"order.lines[{index}].variant.product", required=False)
        line_currency = line_currency or _text(price.get("currency"))
        result.append(
            {
                "product_id": _text(line.get("productSku")) or _text(line.get("productVariantId")),
                "name": _text(line.get("productName")),
                "variant": _text(line.get("variantName")),
                "quantity": line.get("quantity"),
                "unit_price": _amount(price.get("amount")),
                "image_url": _image(line.get("thumbnail")),
                "url": _fill(conf.get("TRIGGERS_SALEOR_PRODUCT_URL"), slug=product.get("slug")),
            }
        )
    total = _object(order.get("total"), "order.total", required=False)
    total = _object(total.get("gross"), "order.total.gross", required=False)
    currency = _text(total.get("currency")) or line_currency
    order_id = _text(order.get("id"))
    return {
        "id": order_id,
        "number": _text(order.get("number")),
        "cart_id": _text(order.get("checkoutId")),
        "coupon_codes": voucher_codes(order),
        "url": _fill(conf.get("TRIGGERS_SALEOR_ORDER_URL"), id=order_id, number=order.get("number")),
        "reorder_url": _fill(conf.get("TRIGGERS_SALEOR_REORDER_URL"), id=order_id, number=order.get("number")),
        "currency": currency,
        "total": _amount(total.get("amount")),
        "lines": result,
    }


def _plan_order(install: Any, kind: str, payload: dict[str, Any]) -> Plan:
    order = _object(payload.get("order"), "order", required=False)
    if not order:
        return Plan(ignored="the payload has no order (is the app allowed to MANAGE_ORDERS?)")
    order_id = _text(order.get("id"))
    if not order_id:
        raise MalformedPayload("order.id is required")
    user = _object(order.get("user"), "order.user", required=False)
    email = _text(order.get("userEmail")) or _text(user.get("email"))
    if not email:
        return Plan(ignored="the order has no email")
    return Plan(
        [
            Planned(
                kind=kind,
                email=email,
                key=_key(install.key_prefix, kind, order_id),
                occurred_at=issued_at(payload),
                data=order_data(order),
                customer_id=_text(user.get("id")) or None,
                customer=_customer(user, order.get("languageCodeEnum")),
            )
        ]
    )


def plan_order_created(install: Any, event: str, payload: dict[str, Any], body: bytes) -> Plan:
    return _plan_order(install, EventKind.ORDER_COMPLETED, payload)


def plan_order_cancelled(install: Any, event: str, payload: dict[str, Any], body: bytes) -> Plan:
    return _plan_order(install, EventKind.ORDER_CANCELLED, payload)


def plan_order_updated(install: Any, event: str, payload: dict[str, Any], body: bytes) -> Plan:
    order = _object(payload.get("order"), "order", required=False)
    if _text(order.get("status")).upper() != "CANCELED":  # Saleor's OrderStatus spelling
        return Plan(ignored="only an order update to status CANCELED is an event here")
    return plan_order_cancelled(install, event, payload, body)


# -- customers ----------------------------------------------------------------------------------


def _user(payload: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    user = _object(payload.get("user"), "user", required=False)
    user_id, email = _text(user.get("id")), _text(user.get("email"))
    if user and not user_id:
        raise MalformedPayload("user.id is required")
    return user, user_id, email


def plan_customer_created(install: Any, event: str, payload: dict[str, Any], body: bytes) -> Plan:
    user, user_id, email = _user(payload)
    if not email:
        return Plan(ignored="the payload has no customer email (is the app allowed to MANAGE_USERS?)")
    return Plan(
        [
            Planned(
                kind=EventKind.CUSTOMER_REGISTERED,
                email=email,
                key=_key(install.key_prefix, EventKind.CUSTOMER_REGISTERED, user_id),
                occurred_at=min(_moment(user.get("dateJoined")) or issued_at(payload), timezone.now()),
                customer_id=user_id,
                customer=_customer(user),
            )
        ]
    )


def plan_customer_seen(install: Any, event: str, payload: dict[str, Any], body: bytes) -> Plan:
    """Saleor has no login webhook; a customer update carries ``lastLogin``, the best "seen" there is.

    An account confirmation is the customer clicking a link: seen at ``issuedAt``.
    """
    user, user_id, email = _user(payload)
    if not email:
        return Plan(ignored="the payload has no customer email (is the app allowed to MANAGE_USERS?)")
    stamps = [_moment(user.get("lastLogin")), _moment(user.get("dateJoined"))]
    if event == "account_confirmed":
        stamps.append(issued_at(payload))
    seen = max((s for s in stamps if s), default=None)
    if seen is None:
        return Plan(ignored="the customer has never logged in")
    seen = min(seen, timezone.now())
    return Plan(
        [
            Planned(
                kind=EventKind.CUSTOMER_SEEN,
                email=email,
                key=_key(install.key_prefix, EventKind.CUSTOMER_SEEN, user_id, seen.isoformat()),
                occurred_at=seen,
                customer_id=user_id,
                customer=_customer(user),
            )
        ]
    )


# Saleor-Event header value (lower case) → planner.
PLANNERS = {
    "checkout_created": plan_checkout,
    "checkout_updated": plan_checkout,
    "order_created": plan_order_created,
    "order_cancelled": plan_order_cancelled,
    "order_updated": plan_order_updated,
    "customer_created": plan_customer_created,
    "customer_updated": plan_customer_seen,
    "account_confirmed": plan_customer_seen,
}


def plan(install: Any, event: str, payload: Any, body: bytes) -> Plan:
    if not isinstance(payload, dict):
        raise MalformedPayload("the body must be a JSON object")
    return PLANNERS[event](install, event, payload, body)
