"""Claims in bulk: claiming due chains costs a constant number of queries however many are due
(SQLite and PostgreSQL), inserts each step's delivery once and moves each chain on once."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_triggers.engine import claim_due
from wagtail_triggers.models import Contact, Delivery, Enrollment, Step
from wagtail_triggers.ticktime import TickReport

State = Enrollment.State


def due_chains(scenario, now, count: int, *, position: int = 1, prefix: str = "c") -> list[Enrollment]:
    """``count`` active chains of ``scenario`` whose letter at ``position`` is due at ``now``."""
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"{prefix}{n:04}@example.com", created_at=now) for n in range(count)]
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                scenario=scenario,
                contact=contact,
                subject_id=f"cart{n}",
                started_at=now - timedelta(days=1),
                next_position=position,
                next_run_at=now - timedelta(minutes=1),
            )
            for n, contact in enumerate(contacts)
        ]
    )
    return list(Enrollment.objects.filter(contact__email__startswith=prefix, scenario=scenario).order_by("pk"))


def claim_queries(now, limit: int) -> tuple[int, list[str]]:
    report = TickReport(now)
    with CaptureQueriesContext(connection) as queries:
        taken = claim_due(now, report, limit=limit)
    assert report.counts["claimed"] == taken == limit
    return taken, [q["sql"] for q in queries.captured_queries]


def insert_batches(rows: int) -> int:
    """How many INSERTs Django splits a bulk_create of ``rows`` deliveries into (SQLite has a
    limit on the parameters of one statement; PostgreSQL takes them in one)."""
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [Delivery()] * rows) or rows
    return math.ceil(rows / min(batch, rows))


@pytest.mark.django_db
def test_claiming_500_due_chains_takes_a_constant_number_of_queries(enable, clock):
    (scenario,) = enable("forgotten_cart")
    steps = list(Step.objects.filter(scenario=scenario, enabled=True).order_by("position"))
    due_chains(scenario, clock.now, 50, prefix="a")
    _taken, few = claim_queries(clock.now, 50)
    due_chains(scenario, clock.now, 500, prefix="b")
    _taken, many = claim_queries(clock.now, 500)

    def others(queries: list[str]) -> list[str]:
        return [sql for sql in queries if not sql.startswith("INSERT")]

    # The same statements for 50 as for 500 rows (no savepoint a row), only the INSERT is split
    # where SQLite needs it.
    assert len(others(many)) == len(others(few)) <= 10, others(many)
    assert len(many) - len(others(many)) == insert_batches(500)

    assert Delivery.objects.count() == 550
    assert set(Delivery.objects.values_list("position", "template_key", "status").distinct()) == {
        (steps[0].position, steps[0].template_key, Delivery.Status.QUEUED)
    }
    moved = Enrollment.objects.filter(scenario=scenario)
    assert set(moved.values_list("state", "next_position", "next_run_at").distinct()) == {
        (State.ACTIVE, steps[1].position, clock.now + steps[1].delay)
    }


@pytest.mark.django_db
def test_a_step_already_claimed_is_neither_inserted_again_nor_moved_twice(enable, clock):
    (scenario,) = enable("forgotten_cart")
    steps = list(Step.objects.filter(scenario=scenario, enabled=True).order_by("position"))
    chains = due_chains(scenario, clock.now, 4)
    # Another worker got the first chain's letter in (and has not moved it on: a crash between).
    Delivery.objects.create(
        enrollment=chains[0],
        position=steps[0].position,
        scenario=scenario,
        contact_id=chains[0].contact_id,
        due_at=clock.now,
        not_before=clock.now,
    )
    report = TickReport(clock.now)
    assert claim_due(clock.now, report) == 4
    assert report.counts["claimed"] == 3
    assert Delivery.objects.count() == 4
    chains[0].refresh_from_db()
    assert chains[0].next_position == steps[0].position  # the unique constraint decided
    assert Enrollment.objects.filter(next_position=steps[1].position).count() == 3


@pytest.mark.django_db
def test_last_letters_complete_their_chains_and_empty_chains_finish(enable, clock):
    (scenario,) = enable("forgotten_cart")
    last = Step.objects.filter(scenario=scenario, enabled=True).order_by("position").last()
    at_last = due_chains(scenario, clock.now, 3, position=last.position, prefix="l")
    beyond = due_chains(scenario, clock.now, 2, position=last.position + 1, prefix="e")
    report = TickReport(clock.now)
    assert claim_due(clock.now, report) == 5
    assert report.counts["claimed"] == 3
    finished = Enrollment.objects.filter(pk__in=[e.pk for e in at_last])
    assert set(finished.values_list("state", "stop_reason", "next_position", "next_run_at")) == {
        (State.COMPLETED, "", last.position + 1, None)
    }
    assert set(Delivery.objects.values_list("enrollment_id", flat=True)) == {e.pk for e in at_last}
    empty = Enrollment.objects.filter(pk__in=[e.pk for e in beyond])
    assert set(empty.values_list("state", "stop_reason")) == {(State.COMPLETED, "no more letters")}
    assert claim_due(clock.now, TickReport(clock.now)) == 0  # nothing is due any more
