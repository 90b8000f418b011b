"""Intake: validation, idempotency, signals, and the cost in the shop's request."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail_triggers import EventKind, InvalidEvent, record_event, signals
from wagtail_triggers.engine import tick
from wagtail_triggers.models import Contact, Event

from .conftest import cart_payload, order_payload


@pytest.mark.django_db
def test_an_event_costs_one_insert_in_the_request():
    with CaptureQueriesContext(connection) as queries:
        record_event("cart_updated", email="a@example.com", data=cart_payload(), key="k1")
    # One round trip, no savepoint: the INSERT itself checks the (unique-indexed) erased
    # addresses (data rights) and skips a repeated key.
    (statement,) = [q["sql"] for q in queries.captured_queries]
    assert statement.startswith("INSERT") and "wagtail_triggers_erasedaddress" in statement


@pytest.mark.django_db
def test_same_idempotency_key_is_stored_once():
    first = record_event("order_completed", email="a@example.com", data=order_payload(), key="order-1")
    second = record_event("order_completed", email="a@example.com", data=order_payload(), key="order-1")
    assert first.pk == second.pk
    assert Event.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "cart_updated", "email": "not-an-email", "data": cart_payload()}, "not a valid email"),
        ({"kind": "cart_exploded", "email": "a@example.com"}, "unknown event kind"),
        ({"kind": "cart_updated", "email": "a@example.com", "data": {"lines": []}}, "id is required"),
        (
            {"kind": "cart_updated", "email": "a@example.com", "data": {**cart_payload(), "currency": "euro"}},
            "currency",
        ),
        (
            {
                "kind": "cart_updated",
                "email": "a@example.com",
                "data": {**cart_payload(), "lines": [{"name": "x", "quantity": 1, "unit_price": 1.5}]},
            },
            "not a float",
        ),
        (
            {
                "kind": "cart_updated",
                "email": "a@example.com",
                "data": {**cart_payload(), "lines": [{"name": "x", "quantity": 0, "unit_price": "1"}]},
            },
            "whole number from 1 to 1000000",
        ),
        (
            {
                "kind": "order_completed",
                "email": "a@example.com",
                "data": {**order_payload(), "url": "javascript:alert(1)"},
            },
            "absolute http(s) URL",
        ),
        ({"kind": "cart_updated", "email": "a@example.com", "data": ["not", "a", "dict"]}, "must be an object"),
        ({"kind": "customer_seen", "email": "a@example.com", "customer": {"time_zone": "Mars/Base"}}, "time zone"),
        ({"kind": "customer_seen", "email": "a@example.com", "occurred_at": datetime(2026, 1, 1)}, "timezone-aware"),
    ],
)
def test_malformed_events_are_refused_whole(kwargs, message):
    kind = kwargs.pop("kind")
    with pytest.raises(InvalidEvent) as raised:
        record_event(kind, **kwargs)
    assert message in str(raised.value)
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_cart_totals_are_computed_and_prices_normalised():
    event = record_event("cart_updated", email="a@example.com", data=cart_payload(lines=3))
    assert event.data["total"] == "120.80"
    assert event.data["lines"][0]["unit_price"] == "14.90"
    assert event.subject_id == "c1" and event.cart_id == "c1"


@pytest.mark.django_db
def test_order_event_names_the_cart_it_came_from():
    event = record_event("order_completed", email="a@example.com", data=order_payload("o9", cart_id="c7"))
    assert (event.subject_id, event.cart_id) == ("o9", "c7")


@pytest.mark.django_db
def test_each_signal_records_its_event():
    signals.cart_updated.send(sender=None, email="a@example.com", cart=cart_payload(), customer_id=42)
    signals.order_completed.send(sender=None, email="a@example.com", order=order_payload("o1", "c1"))
    signals.order_cancelled.send(sender=None, email="a@example.com", order=order_payload("o1"))
    signals.customer_registered.send(sender=None, email="a@example.com", customer={"first_name": "Anna"})
    signals.customer_seen.send(sender=None, email="a@example.com", key="seen-1")
    assert list(Event.objects.order_by("pk").values_list("kind", flat=True)) == list(EventKind.values)
    assert Event.objects.get(kind="cart_updated").customer_id == "42"


@pytest.mark.django_db
def test_a_malformed_signal_raises_in_the_sender():
    with pytest.raises(InvalidEvent):
        signals.cart_updated.send(
            sender=None, email="a@example.com", cart={"id": "x", "currency": "EUR", "lines": "nope"}
        )


@pytest.mark.django_db
def test_processing_creates_the_contact_with_details_and_activity():
    record_event(
        "customer_registered",
        email="Anna@Example.com",
        customer_id="u-1",
        customer={"first_name": "Anna", "language": "ru", "time_zone": "Europe/Moscow"},
    )
    record_event("order_completed", email="anna@example.com", data=order_payload())
    tick()
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.language, contact.customer_id) == (
        "anna@example.com",
        "Anna",
        "ru",
        "u-1",
    )
    assert contact.orders_count == 1
    assert contact.last_activity_at == max(contact.last_seen_at, contact.last_order_at)
    assert Event.objects.filter(processed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_sites_user_is_linked_to_the_contact(django_user_model):
    user = django_user_model.objects.create_user("anna", "anna@example.com", "x")
    record_event("customer_seen", email="ANNA@example.com")
    tick()
    assert Contact.objects.get().user == user


@pytest.mark.django_db
def test_a_duplicate_order_event_without_key_counts_once():
    record_event("order_completed", email="a@example.com", data=order_payload("o1"))
    record_event("order_completed", email="a@example.com", data=order_payload("o1"))
    tick()
    assert Contact.objects.get().orders_count == 1
    first, repeat = Event.objects.order_by("pk")
    assert (first.duplicate, repeat.duplicate) == (False, True)
    assert repeat.error == ""  # a duplicate is a state, not a processing error


@pytest.mark.django_db
def test_the_migration_turns_duplicate_errors_into_the_field_and_back():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("wagtail_triggers.migrations.0012_typed_states")
    record_event("order_completed", email="a@example.com", data=order_payload("o1"))
    Event.objects.update(error=migration.DUPLICATE_ERROR, processed_at=timezone.now())
    migration.mark_duplicates(apps, None)
    assert Event.objects.values_list("duplicate", "error").get() == (True, "")
    migration.unmark_duplicates(apps, None)
    assert Event.objects.get().error == migration.DUPLICATE_ERROR


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**cart_payload(), "id": True}, "id must be a string"),
        ({**cart_payload(), "lines": [{"name": "x", "quantity": 1, "unit_price": "1e30"}]}, "below 10^12"),
        ({**cart_payload(), "lines": [{"name": "x", "quantity": 1, "unit_price": True}]}, "not a float or boolean"),
    ],
)
def test_booleans_and_absurd_amounts_are_refused(data, message):
    with pytest.raises(InvalidEvent, match=re.escape(message)):
        record_event("cart_updated", email="a@example.com", data=data)


@pytest.mark.django_db
def test_a_failing_scenario_kind_does_not_block_the_queue(builtins):
    from wagtail_triggers.models import Scenario
    from wagtail_triggers.scenarios.builtin import ForgottenCart

    Scenario.objects.filter(kind="forgotten_cart").update(enabled=True)
    original = ForgottenCart.on_event
    ForgottenCart.on_event = lambda self, *args: 1 / 0  # a site's buggy kind, say
    try:
        record_event("cart_updated", email="new@example.com", data=cart_payload())
        tick()
    finally:
        ForgottenCart.on_event = original
    event = Event.objects.get()
    assert event.processed_at is not None
    # The failure is the scenario's, recorded on it (one broken scenario never stops the others).
    assert "ZeroDivisionError" in Scenario.objects.get(kind="forgotten_cart").last_error
    record_event("customer_seen", email="other@example.com")
    assert tick().counts["events"] == 1  # the next events still go through
