"""django-oscar signals → events. Every receiver logs and swallows its own errors: a letter is
never worth a failed "add to basket" or a failed checkout.

* Basket lines saved or deleted (``post_save``/``post_delete`` of ``basket.Line``, which covers
  additions, quantity edits, removals and the merge at login) → ``cart_updated`` for open
  baskets with an owner, and for guests' baskets once reported. A line that moves to another
  basket (save for later, move back, the merge at login) reports the basket it left too.
* A guest's basket is first reported when Oscar learns the guest's email: ``start_checkout``
  (the checkout's email page) or a later ``basket_addition`` (Oscar keeps the email in the
  checkout session); from then on under the email it was reported with.
* A *Saved* basket (save for later) is not a cart unless ``TRIGGERS_OSCAR_SAVED_BASKETS_AS_CARTS``;
  a basket *Merged* into another or deleted is reported empty, which ends its chain.
* ``order_placed`` → ``order_completed``, with the order's basket as ``cart_id`` and its
  vouchers' codes as ``coupon_codes`` (a letter's coupon is then marked redeemed).
* ``order_status_changed`` → the kind ``TRIGGERS_OSCAR_ORDER_STATUS_MAP`` names for the new
  status (default ``{"Cancelled": "order_cancelled"}``); statuses are project-defined strings.
* ``user_registered`` → ``customer_registered``; ``user_logged_in`` → ``customer_seen``
  (throttled, see :mod:`wagtail_triggers.activity`) unless ``TRIGGERS_OSCAR_RECORD_LOGINS`` is off.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import post_delete, post_init, post_save
from django.urls import NoReverseMatch, reverse
from oscar.apps.basket.signals import basket_addition
from oscar.apps.checkout.signals import start_checkout
from oscar.apps.customer.signals import user_registered
from oscar.apps.order.signals import order_placed, order_status_changed
from oscar.core.loading import get_model

from wagtail_triggers import activity
from wagtail_triggers import conf as triggers_conf
from wagtail_triggers.events import EventKind, last_cart_report, record_event

logger = logging.getLogger(__name__)

DEFAULT_STATUS_MAP = {"Cancelled": EventKind.ORDER_CANCELLED}
ORDER_KINDS = {EventKind.ORDER_COMPLETED, EventKind.ORDER_CANCELLED}
UID = "wagtail_triggers.contrib.oscar"
LOADED_BASKET = "_wagtail_triggers_basket_id"  # a Line's basket as loaded, to see it move


# -- settings -----------------------------------------------------------------------------------


def status_map() -> dict[str, str]:
    mapping = getattr(settings, "TRIGGERS_OSCAR_ORDER_STATUS_MAP", DEFAULT_STATUS_MAP)
    return {status: kind for status, kind in mapping.items() if kind in ORDER_KINDS}


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    base = triggers_conf.base_url()
    return base + url if base and url.startswith("/") else ""


def saved_baskets_as_carts() -> bool:
    """Saved-for-later lines are a wish list, not a forgotten cart: no order from the open basket
    could ever end a Saved basket's chain. A shop that wants them chased opts in."""
    return bool(getattr(settings, "TRIGGERS_OSCAR_SAVED_BASKETS_AS_CARTS", False))


def basket_url(basket: Any) -> str:
    template = getattr(settings, "TRIGGERS_OSCAR_BASKET_URL", None)
    if template:
        return _absolute(template.format(id=basket.pk))
    try:
        return _absolute(reverse("basket:summary"))
    except NoReverseMatch:
        return ""


def order_url(order: Any) -> str:
    template = getattr(settings, "TRIGGERS_OSCAR_ORDER_URL", None)
    return _absolute(template.format(number=order.number, id=order.pk)) if template else ""


def reorder_url(order: Any) -> str:
    """Oscar's own "Re-order" is a POST on the signed-in customer's order page, which a letter
    cannot make; a project with a link that refills the basket names it here."""
    template = getattr(settings, "TRIGGERS_OSCAR_REORDER_URL", None)
    return _absolute(template.format(number=order.number, id=order.pk)) if template else ""


# -- payloads -----------------------------------------------------------------------------------


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _image_url(product: Any) -> str:
    image = product.primary_image() if product is not None else None
    if image is None or (isinstance(image, dict) and image.get("is_missing")):
        return ""
    try:
        return _absolute(image.original.url)
    except (AttributeError, ValueError):
        return ""


def _product_url(product: Any) -> str:
    try:
        return _absolute(product.get_absolute_url()) if product is not None else ""
    except NoReverseMatch:
        return ""


def cart_data(basket: Any, *, emptied: bool = False) -> dict[str, Any]:
    """A basket in the cart shape of ``docs/events.md``; its id is the basket's primary key.
    ``emptied``: a basket that is gone (merged, deleted) is reported without its lines."""
    lines = [] if emptied else list(basket.lines.select_related("product").order_by("pk"))
    currency = next((line.price_currency for line in lines if line.price_currency), None)
    return {
        "id": str(basket.pk),
        "url": basket_url(basket),
        "currency": currency or getattr(settings, "OSCAR_DEFAULT_CURRENCY", "GBP"),
        "lines": [
            {
                "product_id": str(line.product_id or ""),
                "name": line.product.get_title() if line.product else str(line),
                "quantity": line.quantity,
                "unit_price": _money(line.price_incl_tax if line.price_incl_tax is not None else line.price_excl_tax),
                "image_url": _image_url(line.product),
                "url": _product_url(line.product),
            }
            for line in lines
        ],
    }


def voucher_codes(order: Any) -> list[str]:
    """The voucher codes of the order's discounts: a letter's coupon used as an Oscar voucher."""
    codes = order.discounts.exclude(voucher_code="").order_by("pk").values_list("voucher_code", flat=True)
    return list(dict.fromkeys(codes))


def order_data(order: Any) -> dict[str, Any]:
    lines = list(order.lines.select_related("product").order_by("pk"))
    return {
        "id": str(order.number),
        "number": str(order.number),
        "cart_id": str(order.basket_id or ""),
        "coupon_codes": voucher_codes(order),
        "url": order_url(order),
        "reorder_url": reorder_url(order),
        "currency": order.currency,
        "total": _money(order.total_incl_tax),
        "lines": [
            {
                "product_id": str(line.product_id or line.partner_sku or ""),
                "name": line.title,
                "quantity": line.quantity,
                "unit_price": _money(
                    line.unit_price_incl_tax if line.unit_price_incl_tax is not None else line.unit_price_excl_tax
                ),
                "image_url": _image_url(line.product),
                "url": _product_url(line.product),
            }
            for line in lines
        ],
    }


def _customer(user: Any) -> dict[str, str] | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    details = {"first_name": user.first_name or "", "last_name": user.last_name or ""}
    return {k: v for k, v in details.items() if v} or None


# -- receivers ----------------------------------------------------------------------------------


def _safely(what: str, record, *args: Any, **kwargs: Any) -> Any:
    try:
        return record(*args, **kwargs)
    except Exception:
        logger.exception("wagtail-triggers could not record %s", what)
        return None


def record_basket(basket: Any, email: str, *, emptied: bool = False) -> Any:
    user = basket.owner if basket.owner_id else None
    return record_event(
        EventKind.CART_UPDATED,
        email=email,
        data=cart_data(basket, emptied=emptied),
        customer_id=basket.owner_id,
        customer=_customer(user),
    )


def is_cart(basket: Any) -> bool:
    carts = (basket.OPEN, basket.SAVED) if saved_baskets_as_carts() else (basket.OPEN,)
    return basket.status in carts


def report_basket(basket: Any) -> None:
    """A basket whose lines changed. Owners' open baskets are carts under the owner's email; a
    guest's basket only once reported (the guest gave an email). Frozen and submitted baskets
    are left to the order; a Saved basket that is not a cart ends a chain it may have."""
    if not is_cart(basket):
        if basket.status in (basket.SAVED, basket.MERGED):
            end_cart(basket)
        return
    if basket.owner_id:
        email = basket.owner.email
    else:
        reported = last_cart_report(basket.pk)
        email = reported[0] if reported else ""
    if email:
        record_basket(basket, email)


def end_cart(basket: Any) -> None:
    """Report a basket that is no cart any more (merged, deleted, saved for later) as empty,
    under the email its chain runs for, if its last report still had lines."""
    reported = last_cart_report(basket.pk)
    if reported and reported[1]:
        record_basket(basket, reported[0], emptied=True)


def remember_basket(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance.__dict__[LOADED_BASKET] = instance.__dict__.get("basket_id")  # never loads a deferred field


def on_line_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    left = instance.__dict__.get(LOADED_BASKET)
    if kwargs.get("signal") is post_save:
        instance.__dict__[LOADED_BASKET] = instance.basket_id
    _safely("a basket change", _report_line_baskets, instance, left)


def _report_line_baskets(line: Any, left: Any) -> None:
    if left and left != line.basket_id:  # Oscar's merge_line moved it: the basket it left changed too
        basket_model = type(line)._meta.get_field("basket").related_model
        previous = basket_model.objects.select_related("owner").filter(pk=left).first()
        if previous is not None:
            report_basket(previous)
    try:
        basket = line.basket
    except ObjectDoesNotExist:
        return
    if basket is not None:
        report_basket(basket)


def on_basket_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.status == instance.MERGED:
        _safely("a merged basket", end_cart, instance)


def on_basket_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _safely("a deleted basket", end_cart, instance)


def _report_guest_basket(request: Any, email: str | None) -> None:
    basket = getattr(request, "basket", None)
    if basket is None or basket.owner_id or not basket.pk or not email:
        return  # owners' baskets are reported by the line receivers
    reported = last_cart_report(basket.pk)
    if reported is None or reported[0] != email:  # else the line receivers reported it already
        record_basket(basket, email)


def on_basket_addition(sender: Any, product: Any, user: Any, request: Any = None, **kwargs: Any) -> None:
    checkout = (getattr(request, "session", None) or {}).get("checkout_data") or {}
    email = (checkout.get("guest") or {}).get("email")
    _safely("a guest's basket addition", _report_guest_basket, request, email)


def on_start_checkout(sender: Any, request: Any = None, email: str | None = None, **kwargs: Any) -> None:
    _safely("a guest's email at checkout", _report_guest_basket, request, email)


def on_order_placed(sender: Any, order: Any, user: Any = None, **kwargs: Any) -> None:
    _safely("a placed order", record_order, order, EventKind.ORDER_COMPLETED)


def on_order_status_changed(sender: Any, order: Any, old_status: str, new_status: str, **kwargs: Any) -> None:
    kind = status_map().get(new_status)
    if kind:
        _safely(f"an order status change to {new_status!r}", record_order, order, kind)


def record_order(order: Any, kind: str) -> Any:
    if not order.email:
        return None
    return record_event(
        kind,
        email=order.email,
        data=order_data(order),
        customer_id=order.user_id,
        customer=_customer(order.user),
        key=f"oscar:{kind}:{order.number}",  # a retried signal, or a status map naming the same kind
    )


def on_user_registered(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is None or not user.email:
        return
    _safely(
        "a registration",
        record_event,
        EventKind.CUSTOMER_REGISTERED,
        email=user.email,
        customer_id=user.pk,
        customer=_customer(user),
        key=f"oscar:customer_registered:{user.pk}",
    )


def connect() -> None:
    line = get_model("basket", "Line")
    basket = get_model("basket", "Basket")
    post_init.connect(remember_basket, sender=line, dispatch_uid=f"{UID}.line_loaded")
    post_save.connect(on_line_changed, sender=line, dispatch_uid=f"{UID}.line_saved")
    post_delete.connect(on_line_changed, sender=line, dispatch_uid=f"{UID}.line_deleted")
    post_save.connect(on_basket_saved, sender=basket, dispatch_uid=f"{UID}.basket_saved")
    post_delete.connect(on_basket_deleted, sender=basket, dispatch_uid=f"{UID}.basket_deleted")
    basket_addition.connect(on_basket_addition, dispatch_uid=f"{UID}.basket_addition")
    start_checkout.connect(on_start_checkout, dispatch_uid=f"{UID}.start_checkout")
    order_placed.connect(on_order_placed, dispatch_uid=f"{UID}.order_placed")
    order_status_changed.connect(on_order_status_changed, dispatch_uid=f"{UID}.order_status_changed")
    user_registered.connect(on_user_registered, dispatch_uid=f"{UID}.user_registered")
    if getattr(settings, "TRIGGERS_OSCAR_RECORD_LOGINS", True):
        activity.connect()
