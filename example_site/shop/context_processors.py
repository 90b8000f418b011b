from django.conf import settings

from .cart import current_cart
from .models import OutboxMessage


def shop(request):
    cart = current_cart(request) if hasattr(request, "session") else None
    return {
        "shop_name": settings.SHOP_NAME,
        "shop_currency": settings.SHOP_CURRENCY,
        "header_cart_count": cart.item_count if cart else 0,
        "header_outbox_count": OutboxMessage.objects.count(),
    }
