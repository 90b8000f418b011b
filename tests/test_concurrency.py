"""Many workers ticking at once send each step once (PostgreSQL: FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, connections

from wagtail_triggers.engine import tick
from wagtail_triggers.models import Delivery

pytestmark = pytest.mark.postgres


def _race(now, workers: int) -> list:
    barrier = threading.Barrier(workers)
    reports, errors = [], []

    def work():
        try:
            barrier.wait()
            reports.append(tick(now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return reports


@pytest.mark.django_db(transaction=True)
def test_racing_ticks_send_each_step_exactly_once(enable, clock, events):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    enable("forgotten_cart")
    for n in range(40):
        events.cart(email=f"customer{n}@example.com", cart_id=f"cart{n}")
    _race(clock.now, workers=4)  # events processed and enrolled by racing workers
    for _step in range(3):
        clock.advance(days=1, hours=1)
        reports = _race(clock.now, workers=4)
        assert sum(r.counts["sent"] for r in reports) == 40
    per_person = Counter(m.to[0] for m in mail.outbox)
    assert len(per_person) == 40 and set(per_person.values()) == {3}
    assert Delivery.objects.count() == 120
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
