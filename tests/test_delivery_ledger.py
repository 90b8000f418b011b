"""The ledger: one Delivery per step, no double sends, interrupted sends stay visible as unknown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from wagtail_triggers import scenario_switch
from wagtail_triggers.dispatch import send_queued
from wagtail_triggers.engine import claim_due
from wagtail_triggers.models import Delivery, Enrollment
from wagtail_triggers.ticktime import TickReport


def test_one_delivery_per_enrollment_and_step_is_a_database_constraint(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    delivery = Delivery.objects.get()
    with pytest.raises(IntegrityError):
        Delivery.objects.create(
            enrollment=delivery.enrollment,
            position=delivery.position,
            scenario=delivery.scenario,
            contact=delivery.contact,
            due_at=clock.now,
            not_before=clock.now,
        )


def test_one_active_enrollment_per_scenario_contact_subject_is_a_database_constraint(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.tick()
    existing = Enrollment.objects.get()
    with pytest.raises(IntegrityError):
        Enrollment.objects.create(
            scenario=existing.scenario, contact=existing.contact, subject_id=existing.subject_id, started_at=clock.now
        )


def test_an_interrupted_send_is_marked_unknown_and_never_resent(enable, clock, events, settings):
    settings.EMAIL_BACKEND = "tests.crashing_backend.DisconnectMidSendBackend"
    enable("forgotten_cart")
    events.cart()
    assert clock.tick(minutes=61).counts["unknown"] == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.tick(days=1, minutes=1)
    statuses = dict(Delivery.objects.values_list("position", "status"))
    assert statuses[1] == Delivery.Status.UNKNOWN
    assert statuses[2] == Delivery.Status.SENT  # the chain goes on; the unknown letter is not retried
    assert len(mail.outbox) == 1 and Delivery.objects.filter(position=1).count() == 1


def _claim_first_letter(enable, clock, events) -> None:
    enable("forgotten_cart")
    events.cart()
    clock.tick()
    clock.advance(minutes=61)
    claim_due(clock.now, TickReport(clock.now))


def test_a_worker_dying_mid_send_leaves_unknown_after_the_lease(enable, clock, events):
    _claim_first_letter(enable, clock, events)
    # The worker died 5 real minutes after claiming: the 10-minute lease still holds.
    Delivery.objects.update(status=Delivery.Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=5))
    send_queued(clock.now)
    assert Delivery.objects.get().status == Delivery.Status.SENDING
    Delivery.objects.update(claimed_at=timezone.now() - timedelta(minutes=11))
    send_queued(clock.now)
    assert Delivery.objects.get().status == Delivery.Status.UNKNOWN
    assert mail.outbox == []


def test_leases_are_wall_clock_time_travel_never_expires_a_letter_being_sent(enable, clock, events):
    """A tick run "at" a moment far ahead (``--now``) must not sweep a row another worker has
    just claimed: claims and leases are real time, only chain timing travels."""
    _claim_first_letter(enable, clock, events)
    before = timezone.now()
    Delivery.objects.update(status=Delivery.Status.SENDING, claimed_at=before)  # being sent right now
    send_queued(clock.now + timedelta(days=30))
    assert Delivery.objects.get().status == Delivery.Status.SENDING
    assert mail.outbox == []


def test_the_claiming_worker_result_replaces_a_sweep_guess(enable, clock, events):
    """If a sweep marked a letter "unknown" while its worker was still talking to the server, the
    worker's real result (same lease token, ``claimed_at``) is recorded, not dropped."""
    from wagtail_triggers.dispatch import _claim, _finish

    _claim_first_letter(enable, clock, events)
    pk = Delivery.objects.get().pk
    token = _claim(pk, clock.now)
    assert token is not None and abs((token - timezone.now()).total_seconds()) < 5  # real time
    Delivery.objects.filter(pk=pk).update(status=Delivery.Status.UNKNOWN, error="interrupted while sending")
    delivery = Delivery.objects.get(pk=pk)
    assert _finish(delivery, Delivery.Status.SENT, sent_at=clock.now, error="")
    assert Delivery.objects.get(pk=pk).status == Delivery.Status.SENT
    stale = Delivery.objects.get(pk=pk)
    stale.claimed_at = token - timedelta(seconds=1)  # another claim's token: never applies
    assert not _finish(stale, Delivery.Status.FAILED)
    assert Delivery.objects.get(pk=pk).status == Delivery.Status.SENT


def test_running_send_twice_does_not_send_twice(enable, clock, events):
    _claim_first_letter(enable, clock, events)
    send_queued(clock.now)
    send_queued(clock.now)
    clock.tick()
    assert len(mail.outbox) == 1


def test_frequency_cap_postpones_rather_than_drops(enable, clock, events, settings):
    settings.TRIGGERS_MAX_LETTERS_PER_DAY = 1
    enable("forgotten_cart")
    events.cart(cart_id="a")
    events.cart(cart_id="b")
    report = clock.tick(minutes=61)
    assert report.counts["sent"] == 1 and report.counts["postponed"] == 1
    clock.tick(hours=23)
    assert len(mail.outbox) == 1
    clock.tick(hours=1, minutes=1)
    assert len(mail.outbox) == 2


def test_test_mode_sends_only_to_listed_addresses(enable, clock, events):
    [scenario] = enable("forgotten_cart")
    scenario.test_mode = True
    scenario.test_addresses = "qa@example.com\n"
    scenario.save()
    events.cart(email="anna@example.com", cart_id="a")
    events.cart(email="QA@example.com", cart_id="b")
    clock.tick(minutes=61)
    assert [m.to for m in mail.outbox] == [["qa@example.com"]]
    assert Delivery.objects.get(contact__email="anna@example.com").reason == "test mode"


def test_send_window_applies_in_the_contacts_time_zone(enable, clock, events):
    from datetime import UTC, datetime

    [scenario] = enable("forgotten_cart")
    scenario.send_from, scenario.send_until = 9, 21
    scenario.save()
    clock.now = datetime(2031, 3, 10, 18, 30, tzinfo=UTC)  # 21:30 in Moscow (UTC+3)
    scenario_switch.disable(scenario)
    scenario.set_enabled(True, now=clock.now)
    events.cart(customer={"time_zone": "Europe/Moscow"})
    report = clock.tick(hours=1, minutes=1)  # 22:31 local: outside the window
    assert report.counts["postponed"] == 1 and mail.outbox == []
    assert Delivery.objects.get().not_before == datetime(2031, 3, 11, 6, 0, tzinfo=UTC)  # 09:00 local
    assert clock.tick(hours=10).counts["sent"] == 0  # 05:31 UTC, 08:31 local
    assert clock.tick(minutes=30).counts["sent"] == 1


def test_doorbell_processes_events_right_after_commit(builtins, settings, django_capture_on_commit_callbacks):
    from wagtail_triggers.events import record_event
    from wagtail_triggers.models import Event

    settings.TRIGGERS_ENQUEUE_EVENTS = True  # django-q2 runs tasks synchronously in the tests
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="a@example.com")
    assert Event.objects.get().processed_at is not None
