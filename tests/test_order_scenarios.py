"""Cancelled order and follow-up chains, end to end with time travel."""

from __future__ import annotations

from django.core import mail

from wagtail_triggers.models import Contact, Enrollment

from .conftest import scenario_of, sent_to


def test_cancelled_order_chain_and_its_goal(enable, clock, events):
    enable("cancelled_order")
    events.cancel(order_id="o1")
    assert clock.tick(minutes=61).counts["sent"] == 1
    assert clock.tick(days=1, minutes=1).counts["sent"] == 1
    events.order(order_id="o2")  # a new completed order is the goal
    assert clock.tick(days=1, minutes=1).counts["sent"] == 0
    assert [scenario_of(m) for m in mail.outbox] == ["cancelled_order"] * 2
    assert Enrollment.objects.get(scenario__kind="cancelled_order").state == Enrollment.State.GOAL


def test_cancelled_order_full_chain_ends_with_a_coupon(enable, clock, events):
    enable("cancelled_order")
    events.cancel(order_id="o1")
    for _ in range(3):
        clock.tick(days=1, hours=1)
    letters = sent_to("anna@example.com")
    assert len(letters) == 3
    assert "Linen apron" in letters[0].alternatives[0][0]  # the cancelled order's lines
    assert letters[2].extra_headers["X-Triggers-Scenario"] == "cancelled_order"


def test_followup_sends_five_letters_over_three_weeks(enable, clock, events):
    enable("order_followup")
    events.order(order_id="o1")
    delays = [{"hours": 1}, {"days": 2}, {"days": 8}, {"days": 4}, {"days": 7}, {"days": 7}]  # see test_order_letters
    sent = [clock.tick(**delay, minutes=1).counts["sent"] for delay in delays]
    assert sent == [1, 1, 1, 1, 1, 0]
    letters = sent_to("anna@example.com")
    assert len(letters) == 5
    assert "N-o1" in letters[0].alternatives[0][0] or "Linen apron" in letters[0].alternatives[0][0]


def test_followup_only_after_the_first_order_by_default(enable, clock, events):
    events.order(order_id="old")  # an earlier order, before the scenario was on
    clock.tick()
    enable("order_followup")
    clock.advance(minutes=1)
    events.order(order_id="o2")
    clock.tick(days=2)
    assert Contact.objects.get().orders_count == 2
    assert mail.outbox == []


def test_followup_for_every_order_when_configured(enable, clock, events):
    events.order(order_id="old")
    clock.tick()
    [scenario] = enable("order_followup")
    scenario.settings = {**scenario.settings, "first_order_only": False}
    scenario.save()
    clock.advance(minutes=1)
    events.order(order_id="o2")
    assert clock.tick(days=1, minutes=1).counts["sent"] == 1


def test_a_new_order_does_not_restart_a_running_followup(enable, clock, events):
    [scenario] = enable("order_followup")
    scenario.settings = {**scenario.settings, "first_order_only": False}
    scenario.save()
    events.order(order_id="o1")
    clock.tick(days=1, minutes=1)
    events.order(order_id="o2")
    clock.tick(minutes=1)
    assert Enrollment.objects.filter(scenario=scenario).count() == 1
    assert Enrollment.objects.get().subject_id == "o1"


def test_cancelling_the_order_stops_its_followup(enable, clock, events):
    enable("order_followup")
    events.order(order_id="o1")
    clock.tick(days=1, minutes=1)
    events.cancel(order_id="o1")
    assert clock.tick(days=3).counts["sent"] == 0
    assert len(mail.outbox) == 1


def test_forgotten_cart_order_starts_followup_and_stops_the_cart_chain(enable, clock, events):
    enable("forgotten_cart", "order_followup")
    events.cart(cart_id="c1")
    clock.tick(minutes=61)
    events.order(order_id="o1", cart_id="c1")
    clock.tick(days=1, minutes=1)
    kinds = [scenario_of(m) for m in mail.outbox]
    assert kinds == ["forgotten_cart", "order_followup"]
