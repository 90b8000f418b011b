"""The plain-Django-shop guide: its example is this module's, and it drives the chains."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail

from wagtail_triggers.models import Enrollment, Event

from ..conftest import scenario_of
from . import example_shop

pytestmark = pytest.mark.django_db

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "connecting-a-shop.md"


def _shop():
    mug = SimpleNamespace(pk=7, name="Stoneware mug", price="14.9", image_url="/media/mug.png", url="/p/mug/")
    cart = SimpleNamespace(pk=42, email="anna@example.com", lines=[SimpleNamespace(product=mug, quantity=2)])
    order = SimpleNamespace(pk=1001, number="A-1001", email="anna@example.com")
    return cart, order


def test_the_guide_shows_exactly_the_tested_example():
    blocks = re.findall(r"<!-- tested: tests/contrib/example_shop.py -->\n```python\n(.*?)```", GUIDE.read_text(), re.S)
    assert blocks == [Path(example_shop.__file__).read_text()]


def test_cart_signals_start_the_chain_and_the_order_ends_it(enable, clock):
    enable("forgotten_cart")
    cart, order = _shop()
    example_shop.cart_changed(cart)
    clock.tick(minutes=1)
    (reminder,) = mail.outbox
    assert scenario_of(reminder) == "forgotten_cart"
    example_shop.order_placed(order, cart)
    example_shop.order_placed(order, cart)  # a retried signal: the key makes it one event
    clock.tick(days=3)
    assert len(mail.outbox) == 1
    assert Enrollment.objects.get(scenario__kind="forgotten_cart").state == Enrollment.State.GOAL
    assert Event.objects.filter(kind="order_completed").count() == 1


def test_an_emptied_cart_stops_the_chain(enable, clock):
    enable("forgotten_cart")
    cart, _order = _shop()
    example_shop.cart_changed(cart)
    cart.lines = []
    example_shop.cart_changed(cart)
    clock.tick(days=3)
    assert not mail.outbox


def test_a_cancellation_starts_the_cancelled_order_chain(enable, clock):
    enable("cancelled_order")
    cart, order = _shop()
    example_shop.order_cancelled(order, cart)
    clock.tick(minutes=1)
    assert [scenario_of(m) for m in mail.outbox] == ["cancelled_order"]


def test_a_registration_is_recorded_with_the_customers_details(db):
    user = SimpleNamespace(pk=5, email="boris@example.com", first_name="Boris")
    example_shop.customer_registered(user)
    event = Event.objects.get()
    assert (event.kind, event.customer_id, event.data["customer"]["first_name"]) == (
        "customer_registered",
        "5",
        "Boris",
    )
