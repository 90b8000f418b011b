"""The doorbell: a burst of events queues one django-q2 task, each event costs one query in the
shop's request, and the task the doorbell rings sends a 0-delay letter without waiting for a
tick (real django-q2 ORM broker, SQLite and PostgreSQL, real SMTP on loopback)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from wagtail_triggers.events import DOORBELL_TASK, record_event
from wagtail_triggers.models import Delivery, Event, Step

from .conftest import cart_payload, order_payload

BURST = 60


@pytest.fixture
def queue(settings, monkeypatch):
    """django-q2 as in production: tasks go to the ORM broker's queue (not run inline)."""
    settings.TRIGGERS_ENQUEUE_EVENTS = True
    monkeypatch.setattr(Conf, "SYNC", False)
    return get_broker()


def run_queued(broker) -> list[str]:
    """What a cluster worker does: take each queued task and run it; returns their functions."""
    ran = []
    while True:
        tasks = broker.dequeue() if broker.queue_size() else None
        if not tasks:
            return ran
        for pk, payload in tasks:
            task = SignedPackage.loads(payload)
            import_string(task["func"])(*task["args"], **task["kwargs"])
            broker.acknowledge(pk)
            ran.append(task["func"])


@pytest.mark.django_db
def test_a_burst_of_events_queues_one_task_and_costs_one_query_each(queue, django_capture_on_commit_callbacks):
    costs = []
    for n in range(BURST):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            record_event("cart_updated", email=f"c{n}@example.com", data=cart_payload(f"cart{n}"))
        costs.append([q["sql"] for q in queries.captured_queries])
    assert OrmQ.objects.count() == 1 and queue.queue_size() == 1
    # The first event rings (its INSERT, then the task's row); every other one is its INSERT alone.
    assert len(costs[0]) == 2 and "django_q_ormq" in costs[0][1]
    assert all(len(cost) == 1 and cost[0].startswith("INSERT") for cost in costs[1:]), costs[1]

    assert run_queued(queue) == [DOORBELL_TASK]
    assert not Event.objects.filter(processed_at=None).exists()
    # The task answered the door: the next event rings again (one task pending again).
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="late@example.com")
    assert queue.queue_size() == 1


@pytest.mark.django_db
def test_events_in_one_transaction_ring_once(queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(BURST):
            record_event("customer_seen", email=f"c{n}@example.com")
    assert queue.queue_size() == 1


@pytest.mark.django_db
def test_no_task_while_the_doorbell_is_off(settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.TRIGGERS_ENQUEUE_EVENTS = False  # cron runs triggers_tick; no cluster would take it
    monkeypatch.setattr(Conf, "SYNC", False)
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="a@example.com")
    assert OrmQ.objects.count() == 0


@pytest.mark.django_db
def test_a_task_lost_by_the_broker_rings_again_after_the_ttl(queue, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="a@example.com")
    OrmQ.objects.all().delete()  # the broker lost the task (a restart without persistence)
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="b@example.com")
    assert OrmQ.objects.count() == 0  # within the TTL the lost task still counts as waiting

    settings.TRIGGERS_DOORBELL_TTL = 0.05
    caches["default"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="c@example.com")
    OrmQ.objects.all().delete()
    time.sleep(0.1)  # the mark expires (not a timing assertion: only its TTL has passed)
    with django_capture_on_commit_callbacks(execute=True):
        record_event("customer_seen", email="d@example.com")
    assert OrmQ.objects.count() == 1


@pytest.mark.django_db
def test_the_doorbell_sends_a_zero_delay_letter_without_a_tick(queue, enable, smtp, django_capture_on_commit_callbacks):
    (scenario,) = enable("order_followup")
    Step.objects.filter(scenario=scenario, position=1).update(delay=timedelta(0))
    with django_capture_on_commit_callbacks(execute=True):
        record_event("order_completed", email="anna@example.com", data=order_payload("o1"), occurred_at=timezone.now())
    assert run_queued(queue) == [DOORBELL_TASK]  # no tick ran: the doorbell's task alone
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT and delivery.template_key == "order_followup/thanks"
    assert [message["To"] for message in smtp.messages] == ["anna@example.com"]
