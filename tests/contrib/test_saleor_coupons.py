"""Saleor: the order's voucher code marks a letter's coupon redeemed by that order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wagtail_triggers.contrib.saleor.queries import QUERIES
from wagtail_triggers.models import Contact, Event, IssuedCoupon

from .conftest import order_payload

pytestmark = pytest.mark.django_db


def test_the_order_query_asks_for_the_voucher_code():
    assert "voucherCode" in QUERIES["ORDER_CREATED"]


def test_an_order_with_a_letters_voucher_code_redeems_the_coupon(installed, webhooks, clock):
    contact = Contact.objects.create(email="anna@example.com")
    coupon = IssuedCoupon.objects.create(
        code="K7MX-Q2PA-5", contact=contact, percent=5, expires_at=datetime(2100, 1, 1, tzinfo=UTC)
    )
    payload = order_payload()
    payload["order"]["voucherCode"] = "k7mx-q2pa-5"
    webhooks.post("ORDER_CREATED", payload)
    clock.tick()
    coupon.refresh_from_db()
    assert coupon.redeemed_at is not None and coupon.order_id == payload["order"]["id"]


def test_an_order_without_a_voucher_carries_no_codes(installed, webhooks, clock):
    payload = order_payload()
    payload["order"]["voucherCode"] = None
    webhooks.post("ORDER_CREATED", payload)
    assert Event.objects.get().data["coupon_codes"] == []
