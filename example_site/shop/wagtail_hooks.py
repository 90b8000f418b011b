"""The shop's orders and coupons in the Wagtail admin, next to the app's "Trigger emails"."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import Coupon, Order


class OrderViewSet(ModelViewSet):
    model = Order
    icon = "list-ul"
    menu_label = "Orders"
    list_display = ["number", "email", "status", "total", "created"]
    list_filter = ["status"]
    search_fields = ["number", "email", "last_name"]
    form_fields = ["email", "first_name", "last_name", "language", "status"]
    inspect_view_enabled = True
    copy_view_enabled = False


class CouponViewSet(ModelViewSet):
    model = Coupon
    icon = "tag"
    menu_label = "Coupons"
    list_display = ["code", "percent", "email", "expires_at", "used_at"]
    search_fields = ["code", "email"]
    form_fields = ["code", "percent", "email", "expires_at", "used_at"]
    copy_view_enabled = False


class ShopViewSetGroup(ModelViewSetGroup):
    menu_label = "Demo shop"
    menu_icon = "site"
    menu_order = 250
    items = (OrderViewSet("shop_orders"), CouponViewSet("shop_coupons"))


@hooks.register("register_admin_viewset")
def register_shop_viewsets():
    return ShopViewSetGroup()
