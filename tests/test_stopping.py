"""Stopping chains: one queryset method ends the enrollments and their queued letters."""

from __future__ import annotations

from wagtail_triggers import scenario_switch
from wagtail_triggers.choices import StopReason
from wagtail_triggers.engine import claim_due
from wagtail_triggers.models import Delivery, Enrollment
from wagtail_triggers.ticktime import TickReport


def _first_letter_sent_second_queued(enable, clock, events) -> Enrollment:
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)  # the first letter goes out
    clock.advance(days=1, minutes=1)
    claim_due(clock.now, TickReport(clock.now))  # the second is claimed, not sent yet
    return Enrollment.objects.get()


def test_stop_ends_active_enrollments_and_skips_their_queued_letters(enable, clock, events):
    enrollment = _first_letter_sent_second_queued(enable, clock, events)
    stopped = Enrollment.objects.filter(pk=enrollment.pk).stop(StopReason.REMOVED_BY_STAFF, clock.now)
    enrollment.refresh_from_db()
    assert stopped == 1
    assert (enrollment.state, enrollment.stop_reason) == (Enrollment.State.STOPPED, "removed by staff")
    assert enrollment.finished_at == clock.now and enrollment.next_run_at is None
    statuses = dict(Delivery.objects.values_list("position", "status"))
    assert statuses == {1: Delivery.Status.SENT, 2: Delivery.Status.SKIPPED}
    assert Delivery.objects.get(position=2).reason == "removed by staff"
    assert Delivery.objects.get(position=1).reason == ""


def test_stop_skips_the_queued_last_letter_of_a_completed_chain(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.tick()
    enrollment = Enrollment.objects.get()
    enrollment.finish(Enrollment.State.COMPLETED, now=clock.now)
    Delivery.objects.create(
        enrollment=enrollment,
        position=3,
        scenario=enrollment.scenario,
        contact=enrollment.contact,
        due_at=clock.now,
        not_before=clock.now,
    )
    assert Enrollment.objects.all().stop(StopReason.SCENARIO_DISABLED, clock.now) == 0
    assert Enrollment.objects.get().state == Enrollment.State.COMPLETED
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED


def test_finishing_one_enrollment_with_a_goal_skips_its_queued_letter(enable, clock, events):
    enrollment = _first_letter_sent_second_queued(enable, clock, events)
    enrollment.finish(Enrollment.State.GOAL, "goal: order_completed", now=clock.now)
    assert Enrollment.objects.get().state == Enrollment.State.GOAL
    assert Delivery.objects.get(position=2).reason == "goal: order_completed"
    assert Delivery.objects.get(position=1).status == Delivery.Status.SENT


def test_switching_a_scenario_off_stops_its_chains(enable, clock, events):
    enrollment = _first_letter_sent_second_queued(enable, clock, events)
    assert scenario_switch.disable(enrollment.scenario) == 1
    assert not enrollment.scenario.enabled
    assert Enrollment.objects.get().stop_reason == "scenario disabled"
    assert Delivery.objects.get(position=2).status == Delivery.Status.SKIPPED
