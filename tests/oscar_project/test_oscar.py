"""django-oscar: a basket addition and an order placed drive the forgotten-cart chain to its goal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from oscar.apps.customer.signals import user_registered
from oscar.apps.partner.strategy import Selector
from oscar.core.loading import get_model
from oscar.test import factories

from tests.conftest import scenario_of
from wagtail_triggers.models import Enrollment, Event

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:update is not implemented in this backend:UserWarning"),
]

Basket = get_model("basket", "Basket")


@pytest.fixture
def customer(client):
    user = get_user_model().objects.create_user("anna", "anna@example.com", "pw", first_name="Anna")
    client.force_login(user)
    return user


@pytest.fixture
def apron():
    return factories.create_product(title="Linen apron", price=Decimal("32.00"), num_in_stock=10)


def _add(client, product, quantity=1):
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302
    return response


def _basket(user):
    basket = Basket.objects.get(owner=user, status=Basket.OPEN)
    basket.strategy = Selector().strategy()
    return basket


def test_a_basket_addition_and_an_order_placed_drive_the_forgotten_cart_chain_to_its_goal(
    client, customer, apron, enable, clock
):
    enable("forgotten_cart")
    _add(client, apron, quantity=2)
    basket = _basket(customer)
    (event,) = Event.objects.filter(kind="cart_updated")
    assert (event.email, event.cart_id, event.customer_id) == ("anna@example.com", str(basket.pk), str(customer.pk))
    (line,) = event.data["lines"]
    assert (line["name"], line["quantity"], line["unit_price"]) == ("Linen apron", 2, "32.00")
    assert line["url"] == "https://shop.example" + apron.get_absolute_url()
    assert event.data["url"] == "https://shop.example/basket/"
    assert event.data["currency"] == "EUR" and event.data["total"] == "64.00"

    clock.tick(minutes=1)  # an hour after the addition
    (reminder,) = mail.outbox
    assert scenario_of(reminder) == "forgotten_cart"
    assert "Linen apron" in reminder.alternatives[0][0]

    order = factories.create_order(basket=basket, user=customer)
    completed = Event.objects.get(kind="order_completed")
    assert (completed.subject_id, completed.cart_id) == (str(order.number), str(basket.pk))
    assert completed.data["total"] == str(order.total_incl_tax)

    clock.tick(days=3)
    assert len(mail.outbox) == 1  # "your cart is reserved" and the coupon never go out
    assert Enrollment.objects.get(scenario__kind="forgotten_cart").state == Enrollment.State.GOAL


def test_without_an_order_the_chain_goes_on(client, customer, apron, enable, clock):
    enable("forgotten_cart")
    _add(client, apron)
    clock.tick(minutes=1)
    clock.tick(days=1, minutes=1)
    assert [scenario_of(m) for m in mail.outbox] == ["forgotten_cart", "forgotten_cart"]


def test_quantity_edits_and_removals_update_the_cart_and_emptying_it_stops_the_chain(
    client, customer, apron, enable, clock
):
    enable("forgotten_cart")
    _add(client, apron)
    line = _basket(customer).lines.get()
    line.quantity = 3
    line.save()
    assert Event.objects.order_by("-pk").first().data["lines"][0]["quantity"] == 3
    line.delete()
    assert Event.objects.order_by("-pk").first().data["lines"] == []
    clock.tick(days=3)
    assert not mail.outbox
    assert Enrollment.objects.get().stop_reason == "cart emptied"


def test_a_guest_basket_is_reported_once_the_guest_gave_an_email(client, apron):
    _add(client, apron)
    assert not Event.objects.exists()  # no email known yet
    session = client.session
    session["checkout_data"] = {"guest": {"email": "guest@example.com"}}
    session.save()
    _add(client, apron)
    (event,) = Event.objects.all()
    assert event.email == "guest@example.com" and event.data["lines"][0]["quantity"] == 2


def test_status_changes_map_through_the_setting(client, customer, apron, settings):
    _add(client, apron)
    order = factories.create_order(basket=_basket(customer), user=customer)
    order.set_status("Being processed")
    assert not Event.objects.filter(kind="order_cancelled").exists()
    order.set_status("Cancelled")
    cancelled = Event.objects.get(kind="order_cancelled")
    assert cancelled.subject_id == str(order.number)


def test_a_status_mapped_to_completed_is_the_same_event_as_the_order_placed(client, customer, apron, settings):
    settings.TRIGGERS_OSCAR_ORDER_STATUS_MAP = {"Being processed": "order_completed"}
    _add(client, apron)
    order = factories.create_order(basket=_basket(customer), user=customer)
    order.set_status("Being processed")
    assert Event.objects.filter(kind="order_completed").count() == 1


def test_registration_and_login_are_recorded(client, db):
    user = get_user_model().objects.create_user("boris", "boris@example.com", "pw")
    user_registered.send(sender=None, request=None, user=user)
    assert client.login(username="boris@example.com", password="pw")  # Oscar's EmailBackend
    assert list(Event.objects.order_by("pk").values_list("kind", flat=True)) == [
        "customer_registered",
        "customer_seen",
    ]


def test_a_failing_receiver_never_breaks_the_shop(client, customer, apron, monkeypatch):
    from wagtail_triggers.contrib.oscar import receivers

    def broken(*args, **kwargs):
        raise RuntimeError("the letters are down")

    monkeypatch.setattr(receivers, "record_event", broken)
    _add(client, apron)
    assert _basket(customer).lines.count() == 1
