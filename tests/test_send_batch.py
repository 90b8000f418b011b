"""The batched send path: a batch of letters costs a constant number of queries plus at most two
per letter (real SQLite and PostgreSQL; real SMTP on loopback), and the queued-letters claim
keeps its index plan."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_triggers.dispatch import send_queued
from wagtail_triggers.engine import claim_due
from wagtail_triggers.models import Delivery
from wagtail_triggers.ticktime import TickReport

LETTERS = 50
BATCH_QUERIES = 20
Status = Delivery.Status


def _due_letters(enable, clock, events, kind: str, count: int) -> None:
    """``count`` first letters of ``kind`` queued and due now (one contact each)."""
    enable(kind)
    for n in range(count):
        if kind == "forgotten_cart":
            events.cart(email=f"customer{n:03}@example.com", cart_id=f"cart{n}")
        else:
            events.order(email=f"customer{n:03}@example.com", order_id=f"o{n}")
    clock.tick()  # processes the events: the chains start
    clock.advance(hours=2)
    while claim_due(clock.now, TickReport(clock.now)):
        pass
    assert Delivery.objects.filter(status=Status.QUEUED).count() == count


@pytest.mark.parametrize("kind", ["forgotten_cart", "order_followup"])
def test_a_batch_costs_at_most_two_queries_per_letter(kind, enable, clock, events, smtp):
    _due_letters(enable, clock, events, kind, LETTERS)
    with CaptureQueriesContext(connection) as queries:
        report = send_queued(clock.now)
    assert report.counts["sent"] == LETTERS
    assert len(smtp.messages) == LETTERS
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}
    # A constant number for the batch (claim, load, checks, writes) plus at most 2 a letter.
    # A constant number for the batch: lease sweep, claim (and the empty claim that ends the
    # loop), load, consent/erasure/goal/pause/cap checks, letters and step counts, message ids,
    # one UPDATE of the sent rows, and the test transaction's savepoints. None per letter.
    assert len(queries) <= BATCH_QUERIES, [q["sql"][:120] for q in queries.captured_queries]
    assert len(queries) <= 2 * LETTERS  # the bound: at most two a letter, amortised
