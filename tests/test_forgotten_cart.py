"""Forgotten cart, end to end with time travel: the right letters, at the right times, stopped by goals."""

from __future__ import annotations

from decimal import Decimal

from django.core import mail

from wagtail_triggers import scenario_switch
from wagtail_triggers.models import Delivery, Enrollment, IssuedCoupon

from .conftest import link_targets, sent_to


def test_chain_sends_reminder_reserved_and_coupon_at_the_configured_delays(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    assert clock.tick(minutes=59).counts["sent"] == 0  # idle time is one hour by default
    report = clock.tick(minutes=2)
    assert report.counts["sent"] == 1
    [reminder] = sent_to("anna@example.com")
    assert reminder.subject == "You left something in your cart"
    html = reminder.alternatives[0][0]
    assert "Stoneware mug" in html and "Linen apron" in html
    assert "€14.90" in html and "€61.80" in html  # unit price and total
    assert 'src="https://shop.example/media/p1.png"' in html
    assert "https://shop.example/cart/c1/" in link_targets(html)
    assert "Stoneware mug" in reminder.body  # the plain-text part

    assert clock.tick(hours=23).counts["sent"] == 0
    assert clock.tick(hours=1, minutes=1).counts["sent"] == 1
    assert clock.tick(days=1, minutes=1).counts["sent"] == 1
    letters = sent_to("anna@example.com")
    assert len(letters) == 3
    coupon = IssuedCoupon.objects.get()
    assert coupon.percent == 5 and coupon.code in letters[2].alternatives[0][0]
    assert clock.tick(days=5).counts["sent"] == 0
    assert Enrollment.objects.get().state == Enrollment.State.COMPLETED


def test_order_from_that_cart_stops_the_chain(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    events.order(cart_id="c1")
    report = clock.tick(days=3)
    assert report.counts["stopped"] == 1
    assert len(sent_to("anna@example.com")) == 1
    assert Enrollment.objects.get().state == Enrollment.State.GOAL


def test_goal_is_rechecked_at_send_time_even_if_the_event_was_not_processed(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    clock.advance(days=1, minutes=1)
    claimed_report = None
    from wagtail_triggers.engine import claim_due
    from wagtail_triggers.ticktime import TickReport

    claimed_report = TickReport(clock.now)
    claim_due(clock.now, claimed_report)  # the reserved letter is claimed...
    events.order(cart_id="c1")  # ...then the order arrives before it is sent
    from wagtail_triggers.dispatch import send_queued

    report = send_queued(clock.now)
    assert claimed_report.counts["claimed"] == 1 and report.counts["skipped"] == 1
    assert Delivery.objects.get(position=2).reason == "goal: order_completed"  # the goal that matched
    assert len(sent_to("anna@example.com")) == 1


def test_cart_updates_restart_the_timer_and_refresh_the_snapshot(enable, clock, events):
    enable("forgotten_cart")
    events.cart(lines=1)
    clock.advance(minutes=50)
    events.cart(lines=3)
    assert clock.tick(minutes=20).counts["sent"] == 0  # 70 min after the first, 20 after the last update
    assert clock.tick(minutes=41).counts["sent"] == 1
    [letter] = mail.outbox
    assert "Cast-iron skillet" in letter.alternatives[0][0]
    assert Enrollment.objects.count() == 1


def test_emptied_cart_stops_the_chain(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.advance(minutes=30)
    events.cart(lines=0)
    clock.tick(days=3)
    assert mail.outbox == []
    assert Enrollment.objects.get().stop_reason == "cart emptied"


def test_guest_cart_with_only_an_email_is_covered(enable, clock, events):
    enable("forgotten_cart")
    events.cart(email="Guest.Buyer@Example.COM", customer={"first_name": "Guest"})
    clock.tick(minutes=61)
    [letter] = mail.outbox
    assert letter.to == ["guest.buyer@example.com"]
    assert "Guest" in letter.alternatives[0][0]


def test_disabled_scenario_enrols_nobody(builtins, clock, events):
    events.cart()
    clock.tick(days=3)
    assert mail.outbox == [] and Enrollment.objects.count() == 0


def test_events_from_before_enabling_never_start_a_chain(builtins, clock, events):
    events.cart()  # recorded, but the scenario is still off
    clock.advance(minutes=5)
    builtins["forgotten_cart"].set_enabled(True, now=clock.now)
    clock.tick(days=3)
    assert mail.outbox == []


def test_disabling_stops_pending_letters_at_once(enable, clock, events):
    [scenario] = enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    scenario_switch.disable(scenario)
    clock.tick(days=3)
    assert len(mail.outbox) == 1
    assert Enrollment.objects.get().state == Enrollment.State.STOPPED


def test_two_carts_make_two_chains(enable, clock, events):
    enable("forgotten_cart")
    events.cart(cart_id="a")
    events.cart(cart_id="b")
    clock.tick(minutes=61)
    assert len(mail.outbox) == 2


def test_minimum_cart_total_audience_filter(enable, clock, events):
    [scenario] = enable("forgotten_cart")
    scenario.min_total = Decimal("100")
    scenario.save()
    events.cart(cart_id="small", lines=1)
    events.cart(cart_id="big", lines=3)
    clock.tick(minutes=61)
    [letter] = mail.outbox
    assert "Cast-iron skillet" in letter.alternatives[0][0]
