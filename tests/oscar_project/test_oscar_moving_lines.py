"""django-oscar: lines that move between baskets (save for later, move back, the merge at login)
leave no forgotten-cart chain behind, so no letter goes out for a product already ordered.

Everything goes through Oscar's own views: add to basket, the basket page's "save for later", the
saved lines' "move to basket", the checkout's email page, registration and login. The order is
placed with Oscar's ``OrderCreator`` (``factories.create_order``), as in ``test_oscar.py``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from oscar.apps.partner.strategy import Selector
from oscar.core.loading import get_model
from oscar.test import factories

from wagtail_triggers.models import Delivery, Enrollment, Event

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:update is not implemented in this backend:UserWarning"),
]

Basket = get_model("basket", "Basket")
PASSWORD = "Linen-apron-42"


@pytest.fixture
def apron():
    return factories.create_product(title="Linen apron", price=Decimal("32.00"), num_in_stock=10)


@pytest.fixture
def mug():
    return factories.create_product(title="Stoneware mug", price=Decimal("14.90"), num_in_stock=10)


def _add(client, product):
    assert client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1}).status_code == 302


def _formset(prefix: str, line, **fields: str) -> dict[str, str]:
    data = {f"{prefix}-{name}": value for name, value in [("TOTAL_FORMS", "1"), ("INITIAL_FORMS", "1")]}
    data.update({f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000", f"{prefix}-0-id": str(line.pk)})
    data.update({f"{prefix}-0-{name}": value for name, value in fields.items()})
    return data


def _save_for_later(client, line):
    """The basket page's "Save for later" (Oscar's BasketView formset)."""
    data = _formset("form", line, quantity=str(line.quantity), save_for_later="on")
    assert client.post(reverse("basket:summary"), data).status_code == 302


def _move_back(client, line):
    """The saved lines' "Move to basket" (Oscar's SavedView formset)."""
    assert client.post(reverse("basket:saved"), _formset("saved", line, move_to_basket="on")).status_code == 302


def _open_basket(user):
    basket = Basket.objects.get(owner=user, status=Basket.OPEN)
    basket.strategy = Selector().strategy()
    return basket


def _cart_letters() -> list:
    return [m for m in mail.outbox if m.extra_headers.get("X-Triggers-Scenario") == "forgotten_cart"]


def _last_cart(basket) -> list[str]:
    event = Event.objects.filter(kind="cart_updated", cart_id=str(basket.pk)).order_by("-pk").first()
    return [line["name"] for line in event.data["lines"]]


@pytest.fixture
def customer(client):
    user = get_user_model().objects.create_user("anna", "anna@example.com", PASSWORD, first_name="Anna")
    client.force_login(user)
    return user


def test_save_for_later_move_back_and_order_send_no_letter_for_the_ordered_product(
    client, customer, apron, mug, enable, clock
):
    enable("forgotten_cart")
    _add(client, apron)
    _add(client, mug)
    basket = _open_basket(customer)

    _save_for_later(client, basket.lines.get(product=apron))
    saved = Basket.saved.get(owner=customer)
    assert list(saved.lines.values_list("product__title", flat=True)) == ["Linen apron"]
    assert _last_cart(basket) == ["Stoneware mug"]  # the basket the line left is reported again
    assert not Event.objects.filter(cart_id=str(saved.pk)).exists()  # saved for later is no cart

    _move_back(client, saved.lines.get())
    assert sorted(_last_cart(basket)) == ["Linen apron", "Stoneware mug"]
    assert not Event.objects.filter(cart_id=str(saved.pk)).exists()

    clock.tick(minutes=1)  # an hour after the last change: the reminder for the open basket
    (reminder,) = _cart_letters()
    assert "Linen apron" in reminder.alternatives[0][0]

    factories.create_order(basket=_open_basket(customer), user=customer)
    clock.tick(days=1, minutes=1)
    clock.tick(days=1, minutes=1)
    clock.tick(days=3)
    assert len(_cart_letters()) == 1  # nothing after the order
    (chain,) = Enrollment.objects.filter(scenario__kind="forgotten_cart")
    assert (chain.subject_id, chain.state) == (str(basket.pk), Enrollment.State.GOAL)
    assert Delivery.objects.filter(status="sent").count() == 1


def test_saving_the_only_line_for_later_ends_the_open_baskets_chain(client, customer, apron, enable, clock):
    enable("forgotten_cart")
    _add(client, apron)
    basket = _open_basket(customer)
    _save_for_later(client, basket.lines.get())
    assert _last_cart(basket) == []
    clock.tick(days=3)
    assert not _cart_letters()
    assert Enrollment.objects.get().stop_reason == "cart emptied"


def test_saved_baskets_can_be_carts_when_the_shop_opts_in(client, customer, apron, mug, settings, enable, clock):
    settings.TRIGGERS_OSCAR_SAVED_BASKETS_AS_CARTS = True
    enable("forgotten_cart")
    _add(client, apron)
    _add(client, mug)
    _save_for_later(client, _open_basket(customer).lines.get(product=apron))
    saved = Basket.saved.get(owner=customer)
    assert _last_cart(saved) == ["Linen apron"]
    _move_back(client, saved.lines.get())
    assert _last_cart(saved) == []  # the line left: the saved basket's chain ends with it
    clock.tick()
    assert Enrollment.objects.get(subject_id=str(saved.pk)).stop_reason == "cart emptied"


def test_a_line_saved_for_later_before_this_version_ends_its_chain_when_it_moves_back(
    client, customer, apron, settings, enable, clock
):
    """Chains that a Saved basket started while it counted as a cart end once its lines leave."""
    enable("forgotten_cart")
    settings.TRIGGERS_OSCAR_SAVED_BASKETS_AS_CARTS = True
    _add(client, apron)
    _save_for_later(client, _open_basket(customer).lines.get())
    saved = Basket.saved.get(owner=customer)
    settings.TRIGGERS_OSCAR_SAVED_BASKETS_AS_CARTS = False
    _move_back(client, saved.lines.get())
    assert _last_cart(saved) == []
    factories.create_order(basket=_open_basket(customer), user=customer)
    clock.tick(days=3)
    assert not _cart_letters()


def _give_email_at_checkout(client, email: str, option: str) -> None:
    """The checkout's first page, where a guest gives an email (Oscar's GatewayForm)."""
    response = client.post(reverse("checkout:index"), {"username": email, "options": option})
    assert response.status_code == 302, response.content


def test_a_guest_who_gives_an_email_then_registers_gets_no_letter_for_what_she_ordered(client, apron, enable, clock):
    enable("forgotten_cart")
    _add(client, apron)
    guest_basket = Basket.objects.get(owner=None)
    _give_email_at_checkout(client, "nina@example.com", "new")  # "create an account before checkout"
    (event,) = Event.objects.filter(kind="cart_updated")
    assert (event.email, event.cart_id) == ("nina@example.com", str(guest_basket.pk))

    clock.tick(minutes=1)  # she left: an hour later, the reminder for the guest basket
    assert len(_cart_letters()) == 1

    response = client.post(
        reverse("customer:register"), {"email": "nina@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    nina = get_user_model().objects.get(email="nina@example.com")
    client.get(reverse("basket:summary"))  # the next request merges the guest basket into hers
    guest_basket.refresh_from_db()
    assert guest_basket.status == Basket.MERGED
    assert _last_cart(guest_basket) == []  # ends the guest basket's chain
    basket = _open_basket(nina)
    assert _last_cart(basket) == ["Linen apron"]

    factories.create_order(basket=basket, user=nina)
    clock.tick(days=1, minutes=1)
    clock.tick(days=1, minutes=1)
    clock.tick(days=3)
    assert len(_cart_letters()) == 1  # the reminder before she registered, nothing for the order
    chains = dict(Enrollment.objects.values_list("subject_id", "stop_reason"))
    assert chains[str(guest_basket.pk)] == "cart emptied"
    assert Enrollment.objects.get(subject_id=str(basket.pk)).state == Enrollment.State.GOAL


def test_a_guest_basket_merged_at_login_into_a_basket_with_the_same_product_ends_its_chain(
    client, apron, mug, enable, clock
):
    """At login Oscar deletes a guest line whose product the customer's basket already holds."""
    enable("forgotten_cart")
    anna = get_user_model().objects.create_user("anna", "anna@example.com", PASSWORD)
    earlier = Basket.objects.create(owner=anna)
    earlier.strategy = Selector().strategy()
    earlier.add_product(apron)
    _add(client, apron)
    _add(client, mug)
    guest_basket = Basket.objects.get(owner=None)
    _give_email_at_checkout(client, "anna.home@example.com", "anonymous")  # her other address
    assert _last_cart(guest_basket) == ["Linen apron", "Stoneware mug"]

    response = client.post(
        reverse("customer:login"),
        {"login-username": "anna@example.com", "login-password": PASSWORD, "login_submit": "1"},
    )
    assert response.status_code == 302
    client.get(reverse("basket:summary"))
    guest_basket.refresh_from_db()
    assert guest_basket.status == Basket.MERGED and not guest_basket.lines.exists()
    assert _last_cart(guest_basket) == []
    assert sorted(_last_cart(earlier)) == ["Linen apron", "Stoneware mug"]

    factories.create_order(basket=_open_basket(anna), user=anna)
    clock.tick(days=3)
    assert not _cart_letters()
    assert not Delivery.objects.filter(status="sent").exists()


@pytest.mark.parametrize("gone", ["merged", "deleted"])
def test_a_basket_merged_or_deleted_with_its_lines_is_reported_empty(client, apron, gone, enable, clock):
    """A project's own merge (status only) or clean-up (delete) still ends the basket's chain."""
    enable("forgotten_cart")
    _add(client, apron)
    _give_email_at_checkout(client, "nina@example.com", "anonymous")
    guest_basket = Basket.objects.get(owner=None)
    basket_id = guest_basket.pk
    if gone == "merged":
        Basket.objects.filter(pk=basket_id).update(status=Basket.MERGED)  # a merge that moved no line
        guest_basket.refresh_from_db()
        guest_basket.save()
    else:
        guest_basket.delete()
    event = Event.objects.filter(kind="cart_updated", cart_id=str(basket_id)).order_by("-pk").first()
    assert (event.email, event.data["lines"]) == ("nina@example.com", [])
    clock.tick(days=3)
    assert not _cart_letters()


def test_a_guest_who_empties_her_reported_basket_ends_its_chain(client, apron, enable, clock):
    enable("forgotten_cart")
    _add(client, apron)
    _give_email_at_checkout(client, "nina@example.com", "anonymous")
    guest_basket = Basket.objects.get(owner=None)
    line = guest_basket.lines.get()
    assert client.post(reverse("basket:summary"), _formset("form", line, quantity="0")).status_code == 302
    assert not guest_basket.lines.exists()
    assert _last_cart(guest_basket) == []
    clock.tick(days=3)
    assert not _cart_letters()
    assert Enrollment.objects.get().stop_reason == "cart emptied"
