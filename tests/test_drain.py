"""The drain: one tick claims and sends batch after batch until nothing is due; a tick out of
time stops and rings the doorbell so the next run goes on at once (counts, never timings)."""

from __future__ import annotations

import pytest
from django.core import mail
from django_q.conf import Conf
from django_q.models import OrmQ

from wagtail_triggers.engine import doorbell
from wagtail_triggers.models import Delivery, Event

DUE = 35
BATCH = 10


@pytest.fixture
def due_letters(enable, clock, events, settings):
    """35 first letters of the forgotten-cart chain due now, batches of 10."""
    settings.TRIGGERS_TICK_BATCH_SIZE = BATCH
    enable("forgotten_cart")
    for n in range(DUE):
        events.cart(email=f"customer{n:02}@example.com", cart_id=f"cart{n}")
    clock.tick()
    clock.advance(hours=1, minutes=1)
    mail.outbox.clear()


@pytest.fixture
def queue(settings, monkeypatch):
    """The doorbell's tasks go to django-q2's ORM broker instead of running inline."""
    settings.TRIGGERS_ENQUEUE_EVENTS = True
    monkeypatch.setattr(Conf, "SYNC", False)


def test_one_tick_sends_more_than_one_batch(due_letters, clock, queue):
    report = clock.tick()
    assert report.counts["claimed"] == report.counts["sent"] == DUE
    assert len(mail.outbox) == DUE and len({m.to[0] for m in mail.outbox}) == DUE
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert OrmQ.objects.count() == 0  # nothing left: no reason to ring


def test_a_tick_out_of_time_stops_and_rings_the_doorbell(due_letters, clock, queue, settings):
    settings.TRIGGERS_TICK_TIME_BUDGET = 0  # spent at once: one round, then the doorbell
    report = clock.tick()
    assert report.counts["sent"] < DUE and Delivery.objects.filter(status=Delivery.Status.SENT).count() < DUE
    assert OrmQ.objects.count() == 1  # the next run is already queued, not a minute away

    settings.TRIGGERS_TICK_TIME_BUDGET = None
    doorbell(clock.now)  # what the queued doorbell task runs (at the tests' travelled time)
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == DUE
    assert len(mail.outbox) == DUE


def test_one_tick_processes_more_events_than_one_batch(enable, clock, events, settings):
    settings.TRIGGERS_TICK_BATCH_SIZE = 2  # 10 events a batch
    enable("forgotten_cart")
    for n in range(25):
        events.cart(email=f"customer{n:02}@example.com", cart_id=f"cart{n}")
    report = clock.tick()
    assert report.counts["events"] == 25 and not Event.objects.filter(processed_at=None).exists()
    assert report.counts["enrolled"] == 25


def test_a_mail_server_that_takes_nothing_ends_the_drain_without_ringing(due_letters, clock, queue, settings):
    from .smtp_server import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 1
    report = clock.tick()
    # One round: the letters of one batch wait (no attempt used); the tick does not spin.
    assert report.counts["claimed"] == BATCH and report.counts["sent"] == 0
    assert Delivery.objects.filter(status=Delivery.Status.QUEUED, attempts=0).count() == BATCH
    assert OrmQ.objects.count() == 0  # the next tick retries; no doorbell storm


def test_a_doorbell_run_with_more_events_than_its_budget_rings_again(enable, clock, events, queue, settings):
    settings.TRIGGERS_TICK_BATCH_SIZE = 1  # 5 events a round
    enable("forgotten_cart")
    for n in range(12):
        events.cart(email=f"customer{n:02}@example.com", cart_id=f"cart{n}")
    assert OrmQ.objects.count() == 0  # recorded in the test's transaction: no commit rang yet
    settings.TRIGGERS_TICK_TIME_BUDGET = 0
    report = doorbell(clock.now)
    assert report.counts["events"] == 5 and Event.objects.filter(processed_at=None).count() == 7
    assert OrmQ.objects.count() == 1
