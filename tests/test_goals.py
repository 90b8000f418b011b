"""Which goal ended a chain: the first matching event, one by one and for a batch."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from wagtail_triggers.engine import tick
from wagtail_triggers.events import record_event
from wagtail_triggers.goals import goal_events, goal_reached, goal_reason, goals_reached, is_goal_reason
from wagtail_triggers.labels import outcome_label
from wagtail_triggers.models import Enrollment

from .conftest import cart_payload, order_payload


def test_goal_reached_names_the_first_matching_event_and_reads_as_a_bool(enable, clock, events):
    enable("forgotten_cart")
    events.cart(email="anna@example.com", cart_id="c1")
    events.cart(email="boris@example.com", cart_id="c2")
    clock.tick(minutes=5)
    anna, boris = (Enrollment.objects.get(contact__email=email) for email in ("anna@example.com", "boris@example.com"))
    assert not goal_reached(anna)
    events.seen(email="anna@example.com")  # not the cart chain's goal
    record_event("order_completed", email="anna@example.com", data=order_payload("o1", "c1"), occurred_at=clock.now)
    assert goal_reached(anna) == "order_completed"
    assert goals_reached({anna.pk: goal_events(anna), boris.pk: goal_events(boris)}) == {anna.pk: "order_completed"}
    assert goals_reached({}) == {}
    assert is_goal_reason(goal_reason("order_completed")) and is_goal_reason("goal reached")
    assert not is_goal_reason("unsubscribed")


def test_a_wake_up_ended_by_a_visit_records_the_visit(enable):
    enable("wakeup_90")
    now = timezone.now()
    record_event("customer_seen", email="maya@example.com", occurred_at=now - timedelta(days=95))
    tick(now + timedelta(seconds=1))
    record_event(
        "cart_updated", email="maya@example.com", data=cart_payload("c9"), occurred_at=now + timedelta(hours=1)
    )
    tick(now + timedelta(hours=2))
    chain = Enrollment.objects.get(contact__email="maya@example.com")
    assert (chain.state, chain.stop_reason, outcome_label(chain)) == (
        Enrollment.State.GOAL,
        "goal: cart_updated",
        "Goal reached: came back to the cart",
    )
