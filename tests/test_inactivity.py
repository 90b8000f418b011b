"""Hooliganism and wake-up chains: found by set-based scans, one at a time, once per absence."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from wagtail_triggers.models import Enrollment

from .conftest import scenario_of


def test_wakeup_90_sends_its_three_letters_with_growing_coupons(enable, clock, events):
    enable("wakeup_90")
    events.seen(at=clock.now - timedelta(days=89))
    assert clock.tick().counts["sent"] == 0
    assert clock.tick(days=1, minutes=1).counts["sent"] == 1
    assert clock.tick(days=4, minutes=1).counts["sent"] == 1  # the coupon 4 days after the hello
    assert clock.tick(days=10, minutes=1).counts["sent"] == 1  # the last chance 10 days after that
    assert clock.tick(days=30).counts["sent"] == 0  # once per absence
    assert [scenario_of(m) for m in mail.outbox] == ["wakeup_90"] * 3
    enrollment = Enrollment.objects.get()
    assert enrollment.state == Enrollment.State.COMPLETED
    from wagtail_triggers.models import Delivery

    assert Delivery.objects.get(position=1).coupon_code == ""
    assert Delivery.objects.get(position=2).coupon_code != ""
    percents = [d.step.coupon_percent for d in Delivery.objects.order_by("position")]
    assert percents == [None, 5, 8]


def test_a_visit_stops_the_chain(enable, clock, events):
    enable("hooliganism")
    events.seen(at=clock.now - timedelta(days=112))
    assert clock.tick().counts["sent"] == 1  # "Help!" goes out at once
    events.seen()
    assert clock.tick(days=3).counts["sent"] == 0
    assert Enrollment.objects.get().state == Enrollment.State.GOAL


def test_an_order_stops_the_chain(enable, clock, events):
    enable("wakeup_180")
    events.seen(at=clock.now - timedelta(days=181))
    clock.tick()
    events.order()
    clock.tick(days=3)
    assert len(mail.outbox) == 1


def test_longest_matching_absence_wins_and_shorter_ones_never_follow(enable, clock, events):
    enable("wakeup_90", "hooliganism", "wakeup_180", "wakeup_360")
    events.seen(at=clock.now - timedelta(days=400))
    clock.tick()
    for _ in range(16):
        clock.tick(days=1, minutes=1)
    kinds = {scenario_of(m) for m in mail.outbox}
    assert kinds == {"wakeup_360"}
    assert len(mail.outbox) == 3


def test_one_inactivity_chain_at_a_time_then_the_next_threshold(enable, clock, events):
    enable("wakeup_90", "hooliganism", "wakeup_180")
    events.seen(at=clock.now - timedelta(days=90, minutes=1))
    clock.tick()
    for _ in range(110):
        clock.tick(days=1)
    kinds = [scenario_of(m) for m in mail.outbox]
    assert kinds == ["wakeup_90"] * 3 + ["hooliganism"] * 4 + ["wakeup_180"] * 3
    assert Enrollment.objects.filter(state="active").count() == 0


def test_a_new_absence_after_a_visit_fires_again(enable, clock, events):
    enable("wakeup_90")
    events.seen(at=clock.now - timedelta(days=91))
    for _ in range(16):
        clock.tick(days=1)
    assert len(mail.outbox) == 3
    events.seen()
    clock.tick(days=91)
    for _ in range(16):
        clock.tick(days=1)
    assert len(mail.outbox) == 6


def test_unsubscribed_contacts_are_not_scanned(enable, clock, events):
    from wagtail_triggers.consent import unsubscribe_contact
    from wagtail_triggers.models import Contact

    events.seen(at=clock.now - timedelta(days=95))
    clock.tick()
    unsubscribe_contact(Contact.objects.get())
    enable("wakeup_90")
    clock.tick(days=3)
    assert mail.outbox == [] and Enrollment.objects.count() == 0


def test_hooliganism_wins_over_wakeup_90_for_a_115_day_absence(enable, clock, events):
    enable("wakeup_90", "hooliganism")
    events.seen(at=clock.now - timedelta(days=115))
    clock.tick()
    assert [scenario_of(m) for m in mail.outbox] == ["hooliganism"]
    for _ in range(10):
        clock.tick(days=1)
    assert {scenario_of(m) for m in mail.outbox} == {"hooliganism"}


def test_a_cart_update_counts_as_a_visit_and_stops_a_wakeup_chain(enable, clock, events):
    enable("wakeup_90")
    events.seen(at=clock.now - timedelta(days=91))
    clock.tick()
    events.cart()
    clock.tick(days=3)
    assert [scenario_of(m) for m in mail.outbox] == ["wakeup_90"]
