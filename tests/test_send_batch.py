"""The batched send path: a batch of letters costs a constant number of queries plus at most two
per letter (real SQLite and PostgreSQL; real SMTP on loopback), and the queued-letters claim
keeps its index plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_triggers import dispatch
from wagtail_triggers.choices import StopReason
from wagtail_triggers.dispatch import send_queued
from wagtail_triggers.engine import claim_due
from wagtail_triggers.models import Contact, Delivery, Enrollment, Event, Suppression
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
def test_a_batch_costs_at_most_two_queries_per_letter(kind, enable, clock, events, smtp, monkeypatch):
    _due_letters(enable, clock, events, kind, LETTERS)
    # Outcomes are also written every FLUSH_SECONDS while a batch goes out (one UPDATE each):
    # counted here without that, so the figure does not depend on the machine's speed.
    monkeypatch.setattr(dispatch, "FLUSH_SECONDS", 3600)
    with CaptureQueriesContext(connection) as queries:
        report = send_queued(clock.now)
    assert report.counts["sent"] == LETTERS
    assert len(smtp.messages) == LETTERS
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}
    # A constant number for the batch (claim, load, checks, writes) plus at most 2 a letter.
    # A constant number for the batch: lease sweep, claim (and the empty claim that ends the
    # loop), load, consent/erasure/goal/pause/cap checks, letters and step counts, message ids,
    # one UPDATE of the sent rows, and the test transaction's savepoints; and one a letter: the
    # mark that its SMTP conversation starts (what a lease sweep must call unknown).
    assert len(queries) <= BATCH_QUERIES + LETTERS, [q["sql"][:120] for q in queries.captured_queries]
    assert len(queries) <= 2 * LETTERS  # the bound: at most two a letter, amortised


def test_the_set_checks_settle_each_letter_as_the_per_letter_checks_did(enable, clock, events, smtp):
    """One batch with an unsubscribed contact, a bounced address, a pause, an order not yet
    processed (the goal), an emptied cart and five ordinary letters: each is settled as before,
    the chains end or move with their letters, and the checks cost no query a letter."""
    _due_letters(enable, clock, events, "forgotten_cart", 10)
    contact = {n: Contact.objects.get(email=f"customer{n:03}@example.com") for n in range(10)}
    Contact.objects.filter(pk=contact[0].pk).update(unsubscribed_at=clock.now)
    Suppression.objects.create(contact=contact[1], reason=Suppression.Reason.BOUNCED)
    pause_end = clock.now + timedelta(days=2)
    Suppression.objects.create(contact=contact[2], reason=Suppression.Reason.PAUSED, until=pause_end)
    Event.objects.create(kind="order_completed", email=contact[3].email, cart_id="cart3", occurred_at=clock.now)
    Enrollment.objects.filter(contact=contact[4]).update(snapshot={"cart": {"lines": []}})
    paused_next_run = Enrollment.objects.get(contact=contact[2]).next_run_at
    with CaptureQueriesContext(connection) as queries:
        report = send_queued(clock.now)
    # The batch's constant queries, plus a few statements per distinct outcome (each skip reason
    # ends its chains with one EnrollmentQuerySet.end, the pause moves its chain), and the mark of
    # each of the five letters sent.
    assert len(queries) <= BATCH_QUERIES + 5 + 4 * 5, [q["sql"][:120] for q in queries.captured_queries]
    assert (report.counts["sent"], report.counts["skipped"], report.counts["postponed"]) == (5, 4, 1)
    assert sorted(m["To"] for m in smtp.messages) == [contact[n].email for n in range(5, 10)]
    letter = {n: Delivery.objects.get(contact=contact[n]) for n in range(10)}
    assert [(letter[n].status, letter[n].reason) for n in (0, 1, 3, 4)] == [
        (Status.SKIPPED, StopReason.UNSUBSCRIBED),
        (Status.SKIPPED, StopReason.SUPPRESSED),
        (Status.SKIPPED, "goal: order_completed"),  # the goal that matched
        (Status.SKIPPED, StopReason.CART_EMPTIED),
    ]
    chain = {n: Enrollment.objects.get(contact=contact[n]) for n in range(10)}
    assert chain[3].state == Enrollment.State.GOAL
    assert {chain[n].state for n in (0, 1, 4)} == {Enrollment.State.STOPPED}
    # The pause postpones the letter (its attempt not counted) and moves the rest of the chain.
    assert (letter[2].status, letter[2].not_before, letter[2].attempts) == (Status.QUEUED, pause_end, 0)
    assert chain[2].next_run_at == paused_next_run + (pause_end - clock.now)
    assert {letter[n].status for n in range(5, 10)} == {Status.SENT}
    assert len({letter[n].message_id for n in range(5, 10)}) == 5


def test_a_dead_workers_batch_goes_back_to_the_queue_but_the_letter_in_flight_is_unknown(enable, clock, events):
    """A worker killed mid-batch: after the lease, the letters it never started sending are queued
    again (their attempt not counted), and only the one whose SMTP conversation had started is
    ``unknown`` — never resent."""
    _due_letters(enable, clock, events, "forgotten_cart", 5)
    claimed = dispatch.claim(clock.now, 5)
    assert len(claimed.ids) == 5
    in_flight = Delivery.objects.get(pk=sorted(claimed.ids)[0])
    assert dispatch._start_sending(in_flight)
    Delivery.objects.update(claimed_at=claimed.token - timedelta(hours=1))  # the worker died an hour ago
    assert dispatch.expire_leases() == 1
    assert Delivery.objects.get(pk=in_flight.pk).status == Status.UNKNOWN
    rest = Delivery.objects.exclude(pk=in_flight.pk)
    assert {(d.status, d.attempts, d.error) for d in rest} == {(Status.QUEUED, 0, "")}
    assert send_queued(clock.now).counts["sent"] == 4
