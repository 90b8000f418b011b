"""Customer activity: one "customer seen" per customer and period, without a query per request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail_triggers import activity
from wagtail_triggers.models import Enrollment, Event

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.contrib.urls")]

MIDDLEWARE = "wagtail_triggers.activity.CustomerActivityMiddleware"


@pytest.fixture
def customer(client):
    user = get_user_model().objects.create_user(
        "anna", "Anna@Example.com", "pw", first_name="Anna", last_name="Kowalska"
    )
    client.force_login(user)
    return user


@pytest.fixture
def with_middleware(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    return settings


def _queries(client, path="/shop/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _fresh_client(user=None) -> Client:
    """The test client builds its middleware chain once: a new one sees new MIDDLEWARE."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_throttle_costs_no_query_after_the_first_visit_of_the_period(client, customer, settings):
    baseline = _queries(client)  # the page alone: session and user
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    client = _fresh_client(customer)
    first = _queries(client)
    assert first > baseline  # the one INSERT of the period (in its savepoint)
    assert [_queries(client) for _ in range(5)] == [baseline] * 5
    (event,) = Event.objects.all()
    assert (event.kind, event.email, event.customer_id) == ("customer_seen", "anna@example.com", str(customer.pk))
    assert event.data["customer"] == {"first_name": "Anna", "last_name": "Kowalska", "language": "en"}


def test_a_new_period_records_a_new_visit(client, customer, with_middleware, monkeypatch):
    client.get("/shop/")
    later = timezone.now() + activity.period()
    monkeypatch.setattr(activity.timezone, "now", lambda: later)
    client.get("/shop/")
    client.get("/shop/")
    assert Event.objects.count() == 2
    assert Event.objects.order_by("-pk").first().occurred_at == later


def test_the_period_is_a_setting(client, customer, with_middleware, settings, monkeypatch):
    settings.TRIGGERS_ACTIVITY_PERIOD = timedelta(minutes=5)
    start = timezone.now()
    for minutes in (0, 1, 6, 7, 12):
        monkeypatch.setattr(activity.timezone, "now", lambda m=minutes: start + timedelta(minutes=m))
        client.get("/shop/")
    assert 3 <= Event.objects.count() <= 4  # 5-minute windows: at most one visit in each


def test_anonymous_visitors_cost_nothing_and_get_no_vary_cookie(client, settings, db):
    baseline = _queries(client, "/about/")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]
    client = _fresh_client()
    assert _queries(client, "/about/") == baseline == 0
    assert "Cookie" not in client.get("/about/").get("Vary", "")
    assert not Event.objects.exists()


def test_cold_caches_in_other_processes_still_make_one_event(customer):
    from django.core.cache import caches

    assert activity.record_seen(customer) is True
    caches["default"].clear()  # another worker, its own empty cache
    activity.record_seen(customer)
    assert Event.objects.count() == 1


def test_admin_pages_are_not_visits(client, customer, with_middleware):
    client.get("/admin/anything/")
    assert not Event.objects.exists()


def test_a_user_without_email_is_not_recorded(client, with_middleware, db):
    user = get_user_model().objects.create_user("noemail", "", "pw")
    client.force_login(user)
    assert client.get("/shop/").status_code == 200
    assert not Event.objects.exists()


def test_a_login_is_a_visit_when_connected(client, customer, db):
    client.logout()
    activity.connect()
    try:
        assert client.login(username="anna", password="pw")
    finally:
        activity.disconnect()
    assert Event.objects.filter(kind="customer_seen", email="anna@example.com").count() == 1


def test_a_visit_through_the_middleware_ends_a_wake_up_chain(
    client, customer, with_middleware, enable, events, clock, monkeypatch
):
    enable("wakeup_90")
    events.seen(email="anna@example.com", at=clock.now - timedelta(days=91))
    clock.tick()
    assert Enrollment.objects.get().state == Enrollment.State.ACTIVE
    monkeypatch.setattr(activity.timezone, "now", lambda: clock.now + timedelta(minutes=5))
    client.get("/shop/")
    clock.tick(days=2)
    assert Enrollment.objects.get().state == Enrollment.State.GOAL
