"""Cart, checkout, orders and the outbox. Catalogue pages are served by Wagtail."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from . import events
from .cart import adopt_cart, current_cart, touch
from .forms import CheckoutForm, ReminderEmailForm
from .middleware import remember_customer
from .models import CENTS, Cart, CartLine, Coupon, Order, OrderLine, OutboxMessage, ProductPage

SESSION_ORDERS = "shop_orders"


def _quantity(value, default: int = 1) -> int:
    try:
        return max(0, min(99, int(value)))
    except (TypeError, ValueError):
        return default


def _cart_changed(request, cart: Cart) -> None:
    touch(cart)
    events.cart_updated(cart)


# --- Cart ----------------------------------------------------------------------------------


def cart_view(request):
    cart = current_cart(request)
    initial = {"language": (cart.language if cart else "") or request.LANGUAGE_CODE[:2]}
    if cart:
        initial.update(email=cart.email, first_name=cart.first_name)
    return render(
        request,
        "shop/cart.html",
        {
            "cart": cart,
            "lines": cart.priced_lines() if cart else [],
            "email_form": ReminderEmailForm(initial=initial),
        },
    )


@require_POST
def cart_add(request):
    product = get_object_or_404(ProductPage.objects.live(), pk=request.POST.get("product_id"))
    quantity = max(1, _quantity(request.POST.get("quantity")))
    cart = current_cart(request, create=True)
    line, created = CartLine.objects.get_or_create(cart=cart, product=product, defaults={"quantity": quantity})
    if not created:
        line.quantity = min(99, line.quantity + quantity)
        line.save(update_fields=["quantity"])
    _cart_changed(request, cart)
    messages.success(request, f"{product.title} is in your cart.")
    return redirect("shop:cart")


@require_POST
def cart_update(request):
    cart = current_cart(request)
    if cart is None:
        return redirect("shop:cart")
    changed = False
    for line in cart.lines.all():
        field = f"quantity-{line.pk}"
        if field not in request.POST:
            continue
        quantity = _quantity(request.POST[field], line.quantity)
        if quantity == 0:
            line.delete()
            changed = True
        elif quantity != line.quantity:
            line.quantity = quantity
            line.save(update_fields=["quantity"])
            changed = True
    if changed:
        _cart_changed(request, cart)
        messages.success(request, "Cart updated.")
    return redirect("shop:cart")


@require_POST
def cart_remove(request, line_id: int):
    cart = current_cart(request)
    if cart is not None:
        deleted, _ = cart.lines.filter(pk=line_id).delete()
        if deleted:
            _cart_changed(request, cart)  # an emptied cart is reported too: it stops the reminders
            messages.success(request, "Removed from your cart.")
    return redirect("shop:cart")


@require_POST
def cart_email(request):
    cart = current_cart(request, create=True)
    form = ReminderEmailForm(request.POST)
    if not form.is_valid():
        return render(request, "shop/cart.html", {"cart": cart, "lines": cart.priced_lines(), "email_form": form})
    cart.email = form.cleaned_data["email"]
    cart.first_name = form.cleaned_data["first_name"]
    cart.language = form.cleaned_data["language"] or request.LANGUAGE_CODE[:2]
    cart.save(update_fields=["email", "first_name", "language"])
    remember_customer(request, cart.email, cart.language)
    _cart_changed(request, cart)
    messages.success(request, f"Saved. If you leave the cart, we will send a reminder to {cart.email}.")
    return redirect("shop:cart")


def cart_restore(request, token):
    """The cart link in a reminder letter: opens that cart in any browser."""
    cart = Cart.objects.filter(token=token).first()
    if cart is None:
        raise Http404("No such cart")
    if cart.checked_out_at:
        messages.info(request, "This cart has already become an order. Thank you!")
        return redirect("shop:orders")
    adopt_cart(request, cart)
    if cart.email:
        remember_customer(request, cart.email, cart.language)
    messages.success(request, "Welcome back! Your cart is just as you left it.")
    return redirect("shop:cart")


# --- Checkout and orders -------------------------------------------------------------------


def checkout(request):
    cart = current_cart(request)
    lines = cart.priced_lines() if cart else []
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("shop:cart")
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        coupon = None
        if form.is_valid() and form.cleaned_data["coupon"]:
            coupon = Coupon.objects.filter(code__iexact=form.cleaned_data["coupon"]).first()
            if coupon is None:
                problem = "There is no coupon with this code."
            else:
                problem = coupon.problem_for(form.cleaned_data["email"])
            if problem:
                form.add_error("coupon", problem)
        if form.is_valid():
            order = place_order(request, cart, lines, form.cleaned_data, coupon)
            messages.success(request, f"Thank you! Order {order.number} is placed.")
            return redirect("shop:order", token=order.token)
    else:
        form = CheckoutForm(
            initial={
                "email": cart.email,
                "first_name": cart.first_name,
                "language": cart.language or request.LANGUAGE_CODE[:2],
            }
        )
    return render(request, "shop/checkout.html", {"cart": cart, "lines": lines, "subtotal": subtotal, "form": form})


def place_order(request, cart: Cart, lines: list[CartLine], data: dict, coupon: Coupon | None) -> Order:
    now = timezone.now()
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    discount = (subtotal * coupon.percent / 100).quantize(CENTS) if coupon else Decimal("0.00")
    email = data["email"]
    with transaction.atomic():
        # The events are recorded in the same transaction as the order: both or neither.
        first_order = not Order.objects.filter(email__iexact=email).exists()
        order = Order.objects.create(
            session_key=request.session.session_key or "",
            email=email,
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=data["language"] or request.LANGUAGE_CODE[:2],
            cart=cart,
            coupon=coupon,
            subtotal=subtotal,
            discount=discount,
            total=subtotal - discount,
            currency=cart.currency,
            created=now,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=line.product,
                name=line.product.title,
                sku=line.product.sku,
                quantity=line.quantity,
                unit_price=line.product.price,
            )
            for line in lines
        )
        if coupon:
            coupon.used_at = now
            coupon.save(update_fields=["used_at"])
        cart.email = cart.email or email
        cart.checked_out_at = now
        cart.save(update_fields=["email", "checked_out_at"])
        if first_order:
            events.customer_registered(order)
        events.order_completed(order)  # carries cart_id: the forgotten-cart chain stops here
    remember_customer(request, email, order.language)
    request.session.pop("shop_cart_id", None)
    request.session[SESSION_ORDERS] = [str(order.token), *request.session.get(SESSION_ORDERS, [])][:50]
    return order


def orders(request):
    tokens = request.session.get(SESSION_ORDERS, [])
    return render(request, "shop/orders.html", {"orders": Order.objects.filter(token__in=tokens)})


def order_detail(request, token):
    # A demo: whoever has the order's link (an unguessable token) may see and cancel it.
    order = get_object_or_404(Order, token=token)
    return render(request, "shop/order.html", {"order": order, "lines": order.lines.all()})


@require_POST
def order_cancel(request, token):
    order = get_object_or_404(Order, token=token)
    if order.status == Order.Status.COMPLETED:
        with transaction.atomic():
            order.status = Order.Status.CANCELLED
            order.cancelled_at = timezone.now()
            order.save(update_fields=["status", "cancelled_at"])
            if order.coupon_id:  # give the coupon back
                Coupon.objects.filter(pk=order.coupon_id).update(used_at=None)
            events.order_cancelled(order)
        messages.success(request, f"Order {order.number} is cancelled.")
    return redirect("shop:order", token=order.token)


def order_reorder(request, token):
    """The button of the cancelled-order letters: the order's products into this browser's cart.

    Products no longer sold are left out (and said so); quantities add to what the cart holds.
    """
    order = get_object_or_404(Order, token=token)
    lines = [line for line in order.lines.select_related("product") if line.product and line.product.live]
    if not lines:
        messages.info(request, "The products of this order are no longer in the shop. Have a look around!")
        return redirect("/")
    cart = current_cart(request, create=True)
    for line in lines:
        cart_line, created = CartLine.objects.get_or_create(
            cart=cart, product=line.product, defaults={"quantity": min(99, line.quantity)}
        )
        if not created:
            cart_line.quantity = min(99, cart_line.quantity + line.quantity)
            cart_line.save(update_fields=["quantity"])
    if not cart.email:  # the letter's reader: checkout is filled in, and the cart is theirs
        cart.email, cart.first_name = order.email, order.first_name
        cart.language = cart.language or order.language
        cart.save(update_fields=["email", "first_name", "language"])
        remember_customer(request, cart.email, cart.language)
    _cart_changed(request, cart)
    missing = order.lines.count() - len(lines)
    note = f" {missing} of them is no longer sold." if missing == 1 else f" {missing} of them are no longer sold."
    messages.success(request, f"The products of order {order.number} are in your cart." + (note if missing else ""))
    return redirect("shop:cart")


# --- Outbox --------------------------------------------------------------------------------


def outbox(request):
    page = Paginator(OutboxMessage.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "shop/outbox.html", {"page": page, "letters": page.object_list})


def outbox_detail(request, pk: int):
    letter = get_object_or_404(OutboxMessage, pk=pk)
    newer = OutboxMessage.objects.filter(pk__gt=letter.pk).order_by("pk").first()
    older = OutboxMessage.objects.filter(pk__lt=letter.pk).order_by("-pk").first()
    return render(request, "shop/outbox_detail.html", {"letter": letter, "newer": newer, "older": older})


_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)


@xframe_options_sameorigin
def outbox_html(request, pk: int):
    """The letter's HTML alone, for the iframe of the detail page.

    The letter is untrusted markup: a strict Content-Security-Policy (no scripts, no forms,
    no plugins) plus the iframe's ``sandbox`` attribute keep it inert; links open in a new tab.
    """
    letter = get_object_or_404(OutboxMessage, pk=pk)
    html = letter.html or "<p style='font-family:sans-serif;color:#777'>This letter has no HTML part.</p>"
    base = '<base target="_blank">'
    html = _HEAD.sub(lambda m: m.group(0) + base, html, count=1) if _HEAD.search(html) else base + html
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src * data: blob:; style-src 'unsafe-inline' *; font-src * data:; "
        "form-action 'none'; frame-ancestors 'self'"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def outbox_raw(request, pk: int):
    letter = get_object_or_404(OutboxMessage, pk=pk)
    response = HttpResponse(letter.raw, content_type="message/rfc822; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="letter-{letter.pk}.eml"'
    return response


@require_POST
def outbox_clear(request):
    deleted, _ = OutboxMessage.objects.all().delete()
    messages.success(request, f"Outbox emptied ({deleted} letters).")
    return redirect("shop:outbox")
