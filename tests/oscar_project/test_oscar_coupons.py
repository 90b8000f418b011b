"""django-oscar: a letter's coupon used as an Oscar voucher is marked redeemed by the order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from oscar.apps.offer.applicator import Applicator
from oscar.apps.partner.strategy import Selector
from oscar.core.loading import get_model
from oscar.test import factories

from wagtail_triggers.models import Contact, Event, IssuedCoupon

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:update is not implemented in this backend:UserWarning"),
]

Basket = get_model("basket", "Basket")


def test_an_order_with_the_voucher_redeems_the_letters_coupon(clock):
    customer = get_user_model().objects.create_user("anna", "anna@example.com", "pw")
    coupon = IssuedCoupon.objects.create(
        code="K7MX-Q2PA-5",
        contact=Contact.objects.create(email="anna@example.com"),
        percent=5,
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Selector().strategy()
    basket.add_product(factories.create_product(title="Linen apron", price=Decimal("32.00"), num_in_stock=10))
    basket.vouchers.add(factories.create_voucher(code="k7mx-q2pa-5"))
    Applicator().apply(basket, customer)
    order = factories.create_order(basket=basket, user=customer)

    completed = Event.objects.get(kind="order_completed")
    assert completed.data["coupon_codes"] == ["K7MX-Q2PA-5"]  # Oscar keeps codes upper-case
    clock.tick()
    coupon.refresh_from_db()
    assert coupon.order_id == str(order.number) and coupon.redeemed_at is not None
