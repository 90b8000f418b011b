"""Inactivity scans at scale: one set-based pass, the longest matching absence, flat idle scans.

The batch size is set far below the due population, so nothing here can pass by a cap or by the
order of the scans; query counts, not timings, are asserted.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_triggers.engine import run_scans
from wagtail_triggers.models import Contact, Enrollment, Scenario, Suppression
from wagtail_triggers.ticktime import TickReport

ALL = ("wakeup_90", "hooliganism", "wakeup_180", "wakeup_360")
BATCH = 5


@pytest.fixture(autouse=True)
def _small_batches(settings):
    settings.TRIGGERS_TICK_BATCH_SIZE = BATCH


def absent(now: datetime, days: int, count: int, prefix: str, **fields) -> list[Contact]:
    """``count`` contacts last seen ``days`` days (and an hour) before ``now``."""
    seen = now - timedelta(days=days, hours=1)
    return Contact.objects.bulk_create(
        Contact(email=f"{prefix}{i}@example.com", last_seen_at=seen, last_activity_at=seen, **fields)
        for i in range(count)
    )


def scan(now: datetime) -> TickReport:
    report = TickReport(now)
    run_scans(now, report)
    return report


def chains() -> dict[str, str]:
    """Each contact's email → the kind of its active inactivity chain."""
    active = Enrollment.objects.filter(state=Enrollment.State.ACTIVE, exclusive_key="inactivity")
    return dict(active.values_list("contact__email", "scenario__kind"))


def expected_chain(email: str) -> str | None:
    return {"d95": "wakeup_90", "d115": "hooliganism", "d200": "wakeup_180", "d400": "wakeup_360"}.get(
        email.split("-")[0]
    )


def populate(now: datetime, per_band: int) -> None:
    for days in (95, 115, 200, 400):
        absent(now, days, per_band, f"d{days}-")
    absent(now, 30, per_band, "d30-")  # not due for anything


@pytest.mark.django_db
def test_one_scan_puts_every_contact_in_the_chain_of_its_longest_absence(enable, clock):
    enable(*ALL)
    populate(clock.now, 3 * BATCH)
    report = scan(clock.now)
    assert report.counts["enrolled"] == 4 * 3 * BATCH  # far more than one batch, in one pass
    found = chains()
    for email in Contact.objects.values_list("email", flat=True):
        assert found.get(email) == expected_chain(email), email
    assert Counter(found.values()) == {kind: 3 * BATCH for kind in ALL}


@pytest.mark.django_db
def test_shorter_scans_leave_longer_absences_alone_whatever_the_order(enable, clock):
    """The longer scenario's claim is a set condition: even scanned shortest first (as if the
    longer scans had failed or not run yet), nobody lands in a shorter chain."""
    scenarios = {s.kind: s for s in enable(*ALL)}
    populate(clock.now, 2 * BATCH)
    for kind in reversed(ALL):  # wakeup_360 last
        scenario = scenarios[kind]
        scenario.kind_class.scan(scenario, clock.now)
    found = chains()
    for email in Contact.objects.values_list("email", flat=True):
        assert found.get(email) == expected_chain(email), email


@pytest.mark.django_db
def test_only_enabled_scenarios_with_letters_claim_longer_absences(enable, clock):
    enable("wakeup_90", "wakeup_180", "wakeup_360")
    Scenario.objects.get(kind="wakeup_360").steps.update(enabled=False)  # nothing to send
    populate(clock.now, BATCH + 1)
    scan(clock.now)
    assert Counter(chains().values()) == {"wakeup_90": 2 * (BATCH + 1), "wakeup_180": 2 * (BATCH + 1)}
    assert set(chains()[email] for email in chains() if email.startswith("d400-")) == {"wakeup_180"}


@pytest.mark.django_db
def test_a_longer_scenarios_audience_decides_whether_it_claims_a_contact(enable, clock):
    """wakeup_360 only for customers who ordered: the others absent 400 days get wakeup_180."""
    enable(*ALL)
    Scenario.objects.filter(kind="wakeup_360").update(previous_orders=Scenario.PreviousOrders.WITH)
    buyers = absent(clock.now, 400, BATCH + 1, "buyer-", orders_count=2)
    browsers = absent(clock.now, 400, BATCH + 1, "browser-")
    scan(clock.now)
    found = chains()
    assert {found[c.email] for c in buyers} == {"wakeup_360"}
    assert {found[c.email] for c in browsers} == {"wakeup_180"}
    for _ in range(3):  # settled: later scans enrol nobody and move nobody
        clock.advance(days=1)
        assert scan(clock.now).counts.get("enrolled", 0) == 0
    assert chains() == found


@pytest.mark.django_db
def test_unsubscribed_suppressed_and_staff_contacts_are_left_out(enable, clock):
    enable(*ALL)
    unsubscribed = absent(clock.now, 400, 2, "unsub-", unsubscribed_at=clock.now - timedelta(days=500))
    bounced = absent(clock.now, 400, 2, "bounced-")
    for contact in bounced:
        Suppression.objects.create(contact=contact, reason=Suppression.Reason.BOUNCED)
    staff = get_user_model().objects.create_user("boss", "boss@example.com", "x", is_staff=True)
    absent(clock.now, 400, 1, "staff-", user=staff)
    kept = absent(clock.now, 400, 1, "kept-")
    assert scan(clock.now).counts["enrolled"] == 1
    assert chains() == {kept[0].email: "wakeup_360"}
    # The suppressed and the staff are settled for this absence (no idle re-walk); the
    # unsubscribed are outside the scans' index altogether.
    stamped = dict(Contact.objects.values_list("email", "absence_rank"))
    assert {stamped[c.email] for c in bounced} == {360}
    assert stamped["staff-0@example.com"] == 360
    assert {stamped[c.email] for c in unsubscribed} == {0}


@pytest.mark.django_db
def test_one_scan_is_a_constant_number_of_queries_and_an_idle_one_enrols_nobody(enable, clock):
    enable(*ALL)
    populate(clock.now, 2)
    with CaptureQueriesContext(connection) as small:
        assert scan(clock.now).counts["enrolled"] == 8
    Enrollment.objects.all().delete()
    Contact.objects.update(absence_rank=0, absence_anchor_at=None)
    for days in (95, 115, 200, 400):
        absent(clock.now, days, 5 * BATCH, f"more{days}-")
    with CaptureQueriesContext(connection) as big:
        assert scan(clock.now).counts["enrolled"] == 8 + 4 * 5 * BATCH
    assert len(big) == len(small)
    with CaptureQueriesContext(connection) as idle:
        assert scan(clock.now + timedelta(minutes=1)).counts.get("enrolled", 0) == 0
    assert len(idle) == len(small)
    # Idle means settled: every due contact carries the stamp the scans skip by index.
    due = Contact.objects.filter(last_activity_at__lte=clock.now - timedelta(days=90))
    assert not due.filter(absence_rank=0).exists()


@pytest.mark.django_db
def test_a_new_absence_is_scanned_again_though_no_writer_reset_the_stamp(enable, clock):
    """A contact settled at 360 days comes back (written as an import does, in bulk, without
    touching the stamp) and stays away again: the stale stamp counts as none."""
    enable(*ALL)
    (contact,) = absent(clock.now, 400, 1, "back-")
    scan(clock.now)
    Enrollment.objects.stop("test")
    returned = clock.now + timedelta(days=1)
    Contact.objects.filter(pk=contact.pk).update(last_seen_at=returned, last_activity_at=returned)
    later = returned + timedelta(days=91)
    scan(later)
    assert chains() == {contact.email: "wakeup_90"}


@pytest.mark.django_db
def test_the_next_threshold_still_fires_after_a_shorter_chain(enable, clock):
    enable("wakeup_90", "hooliganism")
    (contact,) = absent(clock.now, 95, 1, "slow-")
    scan(clock.now)
    assert chains() == {contact.email: "wakeup_90"}
    Enrollment.objects.filter(state=Enrollment.State.ACTIVE).end(Enrollment.State.COMPLETED)
    assert scan(clock.now + timedelta(days=10)).counts.get("enrolled", 0) == 0  # 105 days
    scan(clock.now + timedelta(days=17))  # 112 days
    assert chains() == {contact.email: "hooliganism"}
    assert scan(clock.now + timedelta(days=18)).counts.get("enrolled", 0) == 0


@pytest.mark.django_db
def test_chains_started_before_the_stamp_existed_still_count_for_their_absence(enable, clock):
    """Migration 0016 stamps contacts from the chains already started in their current absence."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection as db

    enable(*ALL)
    (contact,) = absent(clock.now, 400, 1, "old-")
    Enrollment.objects.create(
        scenario=Scenario.objects.get(kind="wakeup_360"),
        contact=contact,
        subject_id="absence:before",
        state=Enrollment.State.COMPLETED,
        started_at=clock.now - timedelta(days=30),
        exclusive_key="inactivity",
        anchor_at=contact.last_activity_at,
        rank=360,
    )
    migration = import_module("wagtail_triggers.migrations.0016_scan_indexes")
    migration.stamp_current_absences(apps, SimpleNamespace(connection=db))  # it reads only the alias
    assert scan(clock.now).counts.get("enrolled", 0) == 0
    assert Enrollment.objects.count() == 1
