"""A real loopback SMTP server that misbehaves on cue, and a batch of 20 letters through it.

For every fault the test counts, on the server's side and in the ledger: letters delivered,
duplicated (a letter that arrived more than once) and lost (neither delivered, nor waiting in
the queue, nor honestly ``unknown``, nor refused by the server with a 5xx) — exact numbers.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest

from wagtail_triggers.engine import tick
from wagtail_triggers.models import Delivery, Suppression

from .smtp_server import DIE, DROP, LoopbackSMTP, Sleep, faulty_smtp_server

SMTP_CODE = re.compile(r"\b[45]\d\d\b")
ADDRESSES = [f"customer{n:02}@example.com" for n in range(1, 21)]
FIFTH = ADDRESSES[4]
Status = Delivery.Status


@dataclass(frozen=True)
class Count:
    delivered: int  # letters the server has (at least one copy)
    duplicated: int  # extra copies of letters the server already had
    lost: int  # not at the server, yet not queued, not unknown, not refused with a 5xx
    queued: int  # waiting for a later tick
    unknown: int  # in flight when the connection broke (the server may have it)
    refused: int  # failed because the server refused it (5xx, or 4xx until the retry cap)
    resend_risk: int  # the server has it but the ledger would send it again


def count(server: LoopbackSMTP) -> Count:
    copies = server.inbox.copies()
    delivered = duplicated = lost = queued = unknown = refused = resend_risk = 0
    for delivery in Delivery.objects.filter(position=1).select_related("contact"):
        n = copies[(delivery.message_id, delivery.contact.email)]
        if n:
            delivered += 1
            duplicated += n - 1
            resend_risk += delivery.status == Status.QUEUED
            unknown += delivery.status == Status.UNKNOWN
        elif delivery.status == Status.QUEUED:
            queued += 1
        elif delivery.status == Status.UNKNOWN:
            unknown += 1
        elif delivery.status == Status.FAILED and SMTP_CODE.search(delivery.error):
            refused += 1
        else:
            lost += 1
    return Count(delivered, duplicated, lost, queued, unknown, refused, resend_risk)


@pytest.fixture
def server(settings):
    with faulty_smtp_server() as running:
        use(settings, running)
        yield running


def use(settings, server: LoopbackSMTP) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


@pytest.fixture
def batch(enable, clock, events):
    """Twenty forgotten carts whose first reminder is due now, sent in address order."""
    enable("forgotten_cart")
    for n, address in enumerate(ADDRESSES, start=1):
        events.cart(email=address, cart_id=f"cart{n}")
    clock.tick()
    clock.advance(minutes=61)
    return clock


def test_a_421_at_the_fifth_recipient_delays_that_letter_only(server, batch):
    server.inbox.on_rcpt(FIFTH, "421 4.7.0 Too busy, try again later")
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["postponed"]) == (19, 1)
    assert count(server) == Count(delivered=19, duplicated=0, lost=0, queued=1, unknown=0, refused=0, resend_risk=0)
    fifth = Delivery.objects.get(contact__email=FIFTH)
    assert fifth.attempts == 1 and "421" in fifth.error
    assert fifth.not_before - batch.now >= timedelta(minutes=2)  # backoff, not at once
    assert tick(batch.now + timedelta(minutes=1)).counts["sent"] == 0
    assert tick(batch.now + timedelta(minutes=3)).counts["sent"] == 1
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=0, refused=0, resend_risk=0)


def test_a_connection_dropped_before_the_message_is_resent_on_a_fresh_connection(server, batch):
    server.inbox.on_rcpt(FIFTH, DROP)
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["unknown"], report.counts["postponed"]) == (20, 0, 0)
    assert server.inbox.fired[("rcpt", FIFTH)] == 1
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=0, refused=0, resend_risk=0)
    assert Delivery.objects.get(contact__email=FIFTH).attempts == 1


def test_a_connection_dropped_after_the_message_leaves_only_that_letter_unknown(server, batch):
    """The server kept the 5th letter but closed before answering: it is ``unknown`` (never
    resent: it did arrive), and the 15 letters after it go out on a new connection."""
    server.inbox.on_data(FIFTH, DROP)
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["unknown"]) == (19, 1)
    assert Delivery.objects.get(contact__email=FIFTH).status == Status.UNKNOWN
    tick(batch.now + timedelta(hours=2))
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=1, refused=0, resend_risk=0)


def test_a_reply_slower_than_the_timeout_after_the_message_leaves_only_that_letter_unknown(server, batch):
    server.inbox.on_data(FIFTH, Sleep(1.5))  # EMAIL_TIMEOUT is 1 s
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["unknown"]) == (19, 1)
    fifth = Delivery.objects.get(contact__email=FIFTH)
    assert fifth.status == Status.UNKNOWN and "timed out" in fifth.error
    tick(batch.now + timedelta(hours=2))
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=1, refused=0, resend_risk=0)


def test_a_reply_slower_than_the_timeout_before_the_message_is_resent_at_once(server, batch):
    server.inbox.on_rcpt(FIFTH, Sleep(1.5))
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["unknown"]) == (20, 0)
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=0, refused=0, resend_risk=0)


def test_a_server_down_for_the_whole_tick_leaves_every_letter_queued(settings, batch):
    server = LoopbackSMTP()  # not listening yet
    use(settings, server)
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["postponed"]) == (0, 20)
    assert count(server) == Count(delivered=0, duplicated=0, lost=0, queued=20, unknown=0, refused=0, resend_risk=0)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {0}  # no attempt burnt
    server.start()
    try:
        assert tick(batch.now + timedelta(minutes=1)).counts["sent"] == 20
        assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=0, refused=0, resend_risk=0)
    finally:
        server.stop()


def test_a_server_dying_mid_batch_keeps_the_rest_for_the_next_tick(server, batch):
    eighth = ADDRESSES[7]
    server.inbox.on_rcpt(eighth, DIE)
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["postponed"], report.counts["unknown"]) == (7, 13, 0)
    assert count(server) == Count(delivered=7, duplicated=0, lost=0, queued=13, unknown=0, refused=0, resend_risk=0)
    assert Delivery.objects.get(contact__email=eighth).attempts == 0  # it never reached the server
    server.restart()
    assert tick(batch.now + timedelta(minutes=1)).counts["sent"] == 13
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=0, refused=0, resend_risk=0)


def test_a_550_fails_that_letter_only_and_a_dead_address_is_suppressed(server, batch):
    sixth = ADDRESSES[5]
    server.inbox.on_rcpt(FIFTH, "550 5.1.1 No such user here", times=None)
    server.inbox.on_rcpt(sixth, "550 5.7.1 Message refused by policy")
    report = tick(batch.now)
    assert (report.counts["sent"], report.counts["failed"], report.counts["bounced"]) == (18, 2, 1)
    assert count(server) == Count(delivered=18, duplicated=0, lost=0, queued=0, unknown=0, refused=2, resend_risk=0)
    [bounce] = Suppression.objects.all()
    assert (bounce.contact.email, bounce.reason) == (FIFTH, Suppression.Reason.BOUNCED)
    # The next letter of the chain: everybody but the dead address (the policy refusal is no bounce).
    second = tick(batch.now + timedelta(days=1, hours=1))
    assert second.counts["sent"] == 19
    assert not Delivery.objects.filter(contact__email=FIFTH, position=2).exclude(status=Status.SKIPPED).exists()


def test_a_temporary_refusal_is_retried_with_backoff_and_fails_after_the_cap(server, batch, settings):
    settings.TRIGGERS_SEND_RETRIES = 2
    server.inbox.on_rcpt(FIFTH, "451 4.3.0 Mailbox busy", times=None)
    moment = batch.now
    waits = []
    for _ in range(3):
        tick(moment)
        fifth = Delivery.objects.get(contact__email=FIFTH)
        if fifth.status != Status.QUEUED:
            break
        waits.append(round((fifth.not_before - moment).total_seconds() / 60))
        moment = fifth.not_before + timedelta(seconds=1)
    assert waits == [2, 4]  # doubling backoff, in minutes
    assert fifth.status == Status.FAILED and fifth.attempts == 3
    assert fifth.error.startswith("gave up after 3 attempts") and "451" in fifth.error
    assert server.inbox.fired[("rcpt", FIFTH)] == 3
    assert count(server) == Count(delivered=19, duplicated=0, lost=0, queued=0, unknown=0, refused=1, resend_risk=0)


def test_the_time_budget_stops_claiming_and_leaves_the_rest_queued(server, batch, settings):
    for address in ADDRESSES:
        server.inbox.on_rcpt(address, Sleep(0.3), times=None)  # a slow server: 0.3 s a letter
    settings.TRIGGERS_TICK_TIME_BUDGET = 1.0
    started = time.monotonic()
    report = tick(batch.now)
    took = time.monotonic() - started
    sent, left = report.counts["sent"], report.counts["left"]
    assert sent + left == 20 and 1 <= sent <= 4, report
    assert took < 1.0 + 1.0  # the budget plus at most one letter in flight (and its setup)
    assert f"left={left}" in str(report)
    assert Delivery.objects.filter(status=Status.QUEUED, attempts=0).count() == left
    settings.TRIGGERS_TICK_TIME_BUDGET = 60
    assert tick(batch.now + timedelta(minutes=1)).counts["sent"] == left
    assert count(server) == Count(delivered=20, duplicated=0, lost=0, queued=0, unknown=0, refused=0, resend_risk=0)
