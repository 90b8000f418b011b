"""Finding the visitor's cart through the session."""

from __future__ import annotations

from django.utils import timezone

from .models import Cart

SESSION_CART = "shop_cart_id"


def current_cart(request, *, create: bool = False) -> Cart | None:
    cart_id = request.session.get(SESSION_CART)
    cart = Cart.objects.filter(pk=cart_id, checked_out_at__isnull=True).first() if cart_id else None
    if cart is None and create:
        if not request.session.session_key:
            request.session.save()
        user = request.user if request.user.is_authenticated else None
        cart = Cart.objects.create(
            session_key=request.session.session_key,
            user=user,
            email=(user.email if user else "") or request.session.get("shop_email", ""),
            language=request.session.get("shop_language", ""),
        )
        request.session[SESSION_CART] = cart.pk
    return cart


def adopt_cart(request, cart: Cart) -> None:
    """Make ``cart`` this browser's cart (the link in a reminder letter does this)."""
    if not request.session.session_key:
        request.session.save()
    cart.session_key = request.session.session_key
    cart.save(update_fields=["session_key"])
    request.session[SESSION_CART] = cart.pk


def touch(cart: Cart) -> None:
    cart.updated_at = timezone.now()
    cart.save(update_fields=["updated_at"])
