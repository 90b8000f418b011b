from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/update/", views.cart_update, name="cart_update"),
    path("cart/remove/<int:line_id>/", views.cart_remove, name="cart_remove"),
    path("cart/email/", views.cart_email, name="cart_email"),
    path("cart/restore/<uuid:token>/", views.cart_restore, name="cart_restore"),
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.orders, name="orders"),
    path("orders/<uuid:token>/", views.order_detail, name="order"),
    path("orders/<uuid:token>/cancel/", views.order_cancel, name="order_cancel"),
    path("reorder/<uuid:token>/", views.order_reorder, name="reorder"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/clear/", views.outbox_clear, name="outbox_clear"),
    path("outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:pk>/html/", views.outbox_html, name="outbox_html"),
    path("outbox/<int:pk>/raw/", views.outbox_raw, name="outbox_raw"),
]
