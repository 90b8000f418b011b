"""What a plain Django shop sends, and where: the whole integration with wagtail-triggers.

Build plain dicts of the cart or order — prices as decimal strings, absolute URLs — and send
one signal where the thing happens. Each signal ends in ``wagtail_triggers.record_event``.
"""

from decimal import Decimal

from wagtail_triggers import signals

SHOP = "https://shop.example"


def cart_data(cart) -> dict:
    return {
        "id": str(cart.pk),  # the same id goes into the order as "cart_id"
        "url": f"{SHOP}/cart/",
        "currency": "EUR",
        "lines": [
            {
                "product_id": str(line.product.pk),
                "name": line.product.name,
                "quantity": line.quantity,
                "unit_price": str(Decimal(line.product.price).quantize(Decimal("0.01"))),
                "image_url": f"{SHOP}{line.product.image_url}",
                "url": f"{SHOP}{line.product.url}",
            }
            for line in cart.lines
        ],
    }


def cart_changed(cart) -> None:
    """After every change of a cart whose owner's email you know — also when it empties."""
    signals.cart_updated.send(sender=type(cart), email=cart.email, cart=cart_data(cart))


def order_placed(order, cart) -> None:
    """At checkout. ``cart_id`` ends the forgotten-cart chain; the key makes a retry harmless."""
    signals.order_completed.send(
        sender=type(order),
        email=order.email,
        order={
            **cart_data(cart),
            "id": str(order.pk),
            "number": order.number,
            "cart_id": str(cart.pk),
            "url": f"{SHOP}/orders/{order.pk}/",
        },
        key=f"order-{order.pk}-completed",
    )


def order_cancelled(order, cart) -> None:
    """When the customer (or staff) cancels: starts the cancelled-order chain."""
    signals.order_cancelled.send(
        sender=type(order),
        email=order.email,
        order={**cart_data(cart), "id": str(order.pk), "number": order.number, "url": f"{SHOP}/orders/{order.pk}/"},
        key=f"order-{order.pk}-cancelled",
    )


def customer_registered(user) -> None:
    """After sign-up. Visits and logins: CustomerActivityMiddleware, see below."""
    signals.customer_registered.send(
        sender=type(user),
        email=user.email,
        customer_id=user.pk,
        customer={"first_name": user.first_name, "language": "en"},
        key=f"registered-{user.pk}",
    )
