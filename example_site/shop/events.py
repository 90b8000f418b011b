"""What the shop tells wagtail-triggers, through the app's Django signals.

This is the whole integration of an in-process shop: build plain dicts of the cart or order
(prices as decimal strings, absolute URLs) and send a signal. The app validates them, stores
an event and decides which letter chains start or stop.

* ``cart_updated``        on every change of a cart that has an email (also when it empties)
* ``order_completed``     at checkout, with the ``cart_id`` the order was placed from
* ``order_cancelled``     when the customer cancels
* ``customer_registered`` the first time an email checks out
* ``customer_seen``       a known visitor came back (at most once a day, see middleware.py)
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from wagtail_triggers import InvalidEvent, signals

from .models import Cart, CartLine, Order, OrderLine, ProductPage

logger = logging.getLogger(__name__)

RENDITION = "fill-400x400|format-png"


def absolute(path: str) -> str:
    """An absolute URL on the shop's public origin (``BASE_URL``)."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def money(amount: Decimal) -> str:
    """Prices travel as decimal strings ("29.90"), never as floats."""
    return str(Decimal(amount).quantize(Decimal("0.01")))


def product_url(product: ProductPage) -> str:
    return absolute(product.get_url() or "/")


def image_url(product: ProductPage | None) -> str:
    if product is None or product.image is None:
        return ""
    try:
        return absolute(product.image.get_rendition(RENDITION).url)
    except Exception:  # a missing source file must not stop the event
        logger.warning("No rendition for the image of product %s", product.pk, exc_info=True)
        return ""


def cart_url(cart: Cart) -> str:
    # The link in a letter restores the cart in whatever browser opens it.
    return absolute(f"/cart/restore/{cart.token}/")


def order_url(order: Order) -> str:
    return absolute(f"/orders/{order.token}/")


def reorder_url(order: Order) -> str:
    # The cancelled-order letters' buttons: the order's products back into a cart, any browser.
    return absolute(f"/reorder/{order.token}/")


def product_data(product: ProductPage) -> dict[str, Any]:
    """A product in the shape of an order line, without a quantity (recommendations)."""
    return {
        "product_id": str(product.pk),
        "name": product.title,
        "unit_price": money(product.price),
        "currency": product.currency,
        "image_url": image_url(product),
        "url": product_url(product),
    }


def _cart_line(line: CartLine) -> dict[str, Any]:
    return {
        "product_id": str(line.product_id),
        "name": line.product.title,
        "variant": "",
        "quantity": line.quantity,
        "unit_price": money(line.product.price),
        "image_url": image_url(line.product),
        "url": product_url(line.product),
    }


def _order_line(line: OrderLine) -> dict[str, Any]:
    product = line.product if line.product_id else None
    return {
        "product_id": str(line.product_id or line.sku),
        "name": line.name,
        "variant": "",
        "quantity": line.quantity,
        "unit_price": money(line.unit_price),
        "image_url": image_url(product),
        "url": product_url(product) if product else "",
    }


def cart_data(cart: Cart) -> dict[str, Any]:
    lines = cart.priced_lines()
    return {
        "id": str(cart.pk),
        "url": cart_url(cart),
        "currency": cart.currency,
        "total": money(sum((line.subtotal for line in lines), Decimal("0"))),
        "lines": [_cart_line(line) for line in lines],
    }


def order_data(order: Order) -> dict[str, Any]:
    return {
        "id": str(order.pk),
        "number": order.number,
        "cart_id": str(order.cart_id) if order.cart_id else "",
        "url": order_url(order),
        "reorder_url": reorder_url(order),
        "currency": order.currency,
        "total": money(order.total),
        "lines": [_order_line(line) for line in order.lines.select_related("product")],
    }


def customer_data(*, first_name: str = "", last_name: str = "", language: str = "") -> dict[str, str]:
    data = {"first_name": first_name, "last_name": last_name, "language": (language or "")[:2]}
    return {key: value for key, value in data.items() if value}


def _send(signal, **kwargs: Any) -> None:
    """Send one signal. A refused event is a bug in this module: loud while developing,
    logged (and the customer's request left alone) in production."""
    try:
        signal.send(**kwargs)
    except InvalidEvent as exc:
        if settings.DEBUG:
            raise
        logger.error("wagtail-triggers refused an event: %s", "; ".join(exc.errors))


# --- The five events -----------------------------------------------------------------------


def cart_updated(cart: Cart, *, occurred_at: datetime | None = None, key: str | None = None) -> bool:
    """Report the cart's current content. Nothing is sent until the cart has an email."""
    if not cart.email:
        return False
    _send(
        signals.cart_updated,
        sender=Cart,
        email=cart.email,
        cart=cart_data(cart),
        customer_id=cart.user_id,
        customer=customer_data(first_name=cart.first_name, language=cart.language),
        occurred_at=occurred_at,
        key=key,
    )
    return True


def customer_registered(order: Order, *, occurred_at: datetime | None = None) -> None:
    _send(
        signals.customer_registered,
        sender=Order,
        email=order.email,
        customer=customer_data(first_name=order.first_name, last_name=order.last_name, language=order.language),
        occurred_at=occurred_at or order.created,
        key=f"customer-registered-{order.email.lower()}",
    )


def order_completed(order: Order, *, occurred_at: datetime | None = None) -> None:
    _send(
        signals.order_completed,
        sender=Order,
        email=order.email,
        order=order_data(order),
        customer_id=order.cart.user_id if order.cart_id and order.cart else None,
        customer=customer_data(first_name=order.first_name, last_name=order.last_name, language=order.language),
        occurred_at=occurred_at or order.created,
        key=f"order-completed-{order.pk}",
    )


def order_cancelled(order: Order, *, occurred_at: datetime | None = None) -> None:
    _send(
        signals.order_cancelled,
        sender=Order,
        email=order.email,
        order=order_data(order),
        customer=customer_data(first_name=order.first_name, last_name=order.last_name, language=order.language),
        occurred_at=occurred_at or order.cancelled_at or timezone.now(),
        key=f"order-cancelled-{order.pk}",
    )


def customer_seen(email: str, *, language: str = "", occurred_at: datetime | None = None) -> None:
    occurred_at = occurred_at or timezone.now()
    _send(
        signals.customer_seen,
        sender=Cart,
        email=email,
        customer=customer_data(language=language),
        occurred_at=occurred_at,
        # One visit a day is all the wake-up chains need; the key makes a repeat a no-op.
        key=f"customer-seen-{email.lower()}-{occurred_at.date().isoformat()}",
    )
