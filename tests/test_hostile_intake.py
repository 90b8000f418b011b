"""Hostile input at intake: every bad value is an InvalidEvent (or a CommandError) naming it,
nothing is stored, and nothing an event carries can rewrite a contact's identity or history.

Run on SQLite and PostgreSQL: NUL characters, lone surrogates and over-long values are the
ones PostgreSQL refuses with a DataError when they slip through.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from wagtail_triggers import InvalidEvent, record_event, signals
from wagtail_triggers.engine import tick
from wagtail_triggers.models import Contact, Event
from wagtail_triggers.payloads import MAX_QUANTITY

from .conftest import cart_payload

pytestmark = pytest.mark.django_db

EMAIL = "anna@example.com"


def _line(**overrides) -> dict:
    return {"name": "Stoneware mug", "quantity": 1, "unit_price": "14.90", **overrides}


def _cart(**overrides) -> dict:
    return {**cart_payload(), **overrides}


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# -- customer details: a whitelist ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["customer_seen", "customer_registered"])
def test_customer_data_cannot_link_a_user_set_counters_or_rewrite_the_email(kind, django_user_model):
    """The attack of the issue: one event linked the superuser, set orders_count, changed the email."""
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    hostile = {"user_id": admin.pk, "user": admin.pk, "orders_count": 4242, "email": "evil@example.net", "id": 7}
    with pytest.raises(InvalidEvent) as refused:
        record_event(kind, email=EMAIL, data={"customer": hostile})
    for field in ("user_id", "user", "orders_count", "email", "id"):
        assert any(f"data.customer.{field} may not be set by an event" in e for e in refused.value.errors)
    with pytest.raises(InvalidEvent) as refused:
        record_event(kind, email=EMAIL, customer={"orders_count": 4242, "last_seen_at": "2020-01-01"})
    assert len(refused.value.errors) == 2
    assert "customer.orders_count may not be set by an event" in refused.value.errors[0]
    assert Event.objects.count() == 0 and Contact.objects.count() == 0


def test_documented_customer_details_in_data_are_still_applied():
    record_event("customer_seen", email=EMAIL, data={"customer": {"first_name": "Anna"}, "source": "app"})
    record_event("customer_seen", email=EMAIL, customer={"last_name": "K", "time_zone": "Europe/Berlin"})
    tick(timezone.now())
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.time_zone) == ("Anna", "K", "Europe/Berlin")
    assert Event.objects.order_by("pk").first().data == {"source": "app", "customer": {"first_name": "Anna"}}


def test_the_engine_ignores_undocumented_customer_fields_in_stored_events(django_user_model):
    """Defence in depth: an event stored before intake validation (or by raw SQL) changes nothing."""
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    Event.objects.create(
        kind="customer_seen",
        email=EMAIL,
        data={
            "customer": {
                "user_id": admin.pk,
                "orders_count": 4242,
                "email": "evil@example.net",
                "first_name": "x" * 500,
                "last_name": "Kowalska",
            }
        },
    )
    tick(timezone.now())
    contact = Contact.objects.get()
    assert (contact.email, contact.user_id, contact.orders_count) == (EMAIL, None, 0)
    assert (contact.first_name, contact.last_name) == ("", "Kowalska")
    assert Event.objects.get().processed_at is not None and not Event.objects.get().error


def test_a_signal_with_hostile_customer_details_raises_in_the_sender():
    with pytest.raises(InvalidEvent, match=r"customer\.email may not be set"):
        signals.customer_seen.send(sender=None, email=EMAIL, customer={"email": "evil@example.net"})
    assert not Event.objects.exists()


# -- crashes that are now InvalidEvent ---------------------------------------------------------

REFUSED = [
    # (id, record_event kwargs, the message the error must contain)
    ("occurred_at-int", {"occurred_at": 1735689600}, "occurred_at must be a timezone-aware datetime, not int"),
    ("occurred_at-date", {"occurred_at": date(2025, 1, 1)}, "occurred_at must be a timezone-aware datetime"),
    ("occurred_at-month-13", {"occurred_at": "2025-13-45T10:00:00Z"}, "not an ISO-8601 date and time"),
    ("occurred_at-naive", {"occurred_at": datetime(2025, 1, 1)}, "occurred_at must be timezone-aware"),
    ("nul-line-name", {"data": _cart(lines=[_line(name="Mug\x00")])}, "lines[0].name contains a NUL character"),
    ("nul-email", {"email": "an\x00na@example.com"}, "email is not a valid email address"),
    ("nul-key", {"key": "k\x00"}, "key must be a non-empty string"),
    ("nul-customer", {"customer": {"first_name": "A\x00"}}, "customer.first_name contains a NUL character"),
    ("nul-cart-id", {"data": _cart(id="c\x00")}, "id contains a NUL character"),
    ("surrogate-name", {"data": _cart(lines=[_line(name="Mug \ud800")])}, "lines[0].name is not valid Unicode"),
    ("long-first-name", {"customer": {"first_name": "A" * 151}}, "customer.first_name is longer than 150"),
    ("long-language", {"customer": {"language": "x" * 11}}, "customer.language is longer than 10"),
    ("long-customer-id", {"customer_id": "9" * 256}, "customer_id is longer than 255"),
    ("huge-int-customer-id", {"customer_id": 10**5000}, "customer_id is longer than 255"),
    ("long-subject-id", {"subject_id": "s" * 256, "data": {**cart_payload(), "id": None}}, "subject_id is longer"),
    ("long-email", {"email": "a" * 250 + "@example.com"}, "email is not a valid email address"),
    ("long-line-name", {"data": _cart(lines=[_line(name="n" * 256)])}, "lines[0].name is longer than 255"),
    ("quantity-over-1e6", {"data": _cart(lines=[_line(quantity=MAX_QUANTITY + 1)])}, "from 1 to 1000000"),
    ("unit-price-1e12", {"data": _cart(lines=[_line(unit_price="1000000000000")])}, "below 10^12"),
    ("total-1e12", {"data": _cart(total="1e12")}, "total must be a non-negative amount below 10^12"),
    (
        "computed-total-over-limit",
        {"data": _cart(lines=[_line(quantity=MAX_QUANTITY, unit_price="999999999")] * 2)},
        "above the limit of 10^12",
    ),
    ("currency-cyrillic", {"data": _cart(currency="ЕВР")}, "ISO 4217 code such as EUR, not 'ЕВР'"),
    ("currency-unknown", {"data": _cart(currency="XYZ")}, "ISO 4217"),
    ("kind-not-a-string", {"kind": ["cart_updated"]}, "unknown event kind"),
    ("customer-not-an-object", {"customer": "Anna"}, "customer data must be an object"),
]


@pytest.mark.parametrize(("kwargs", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_hostile_values_are_refused_by_name_and_nothing_is_stored(kwargs, message):
    call = {"kind": "cart_updated", "email": EMAIL, "data": cart_payload(), **kwargs}
    with pytest.raises(InvalidEvent) as refused:
        record_event(call.pop("kind"), **call)
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert Event.objects.count() == 0


FREE_DATA = [
    ("nul-value", {"note": "a\x00b"}, "data.note contains a NUL character"),
    ("nul-key", {"a\x00": 1}, "data has a key that is not plain text"),
    ("nan", {"score": float("nan")}, "data.score must be a finite number"),
    ("infinity", {"score": float("inf")}, "data.score must be a finite number"),
    ("datetime", {"when": datetime(2025, 1, 1, tzinfo=UTC)}, "data.when is a datetime, which is not JSON"),
    ("decimal", {"amount": Decimal("1.5")}, "data.amount is a Decimal, which is not JSON"),
    ("set", {"tags": {"a"}}, "data.tags is a set, which is not JSON"),
    ("int-key", {1: "x"}, "data has a key that is not plain text"),
    ("deep", _nested(100), "nested deeper than 20 levels"),
    ("big", {"blob": "x" * 70_000}, "at most 65536"),
    ("customer-nul", {"customer": {"last_name": "\x00"}}, "data.customer.last_name contains a NUL"),
]


@pytest.mark.parametrize("kind", ["customer_seen", "customer_registered"])
@pytest.mark.parametrize(("data", "message"), [c[1:] for c in FREE_DATA], ids=[c[0] for c in FREE_DATA])
def test_free_form_data_of_customer_events_must_be_plain_bounded_json(kind, data, message):
    with pytest.raises(InvalidEvent) as refused:
        record_event(kind, email=EMAIL, data=data)
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert Event.objects.count() == 0


def test_values_at_the_limits_are_stored_and_processed():
    """The bounds are the columns': the largest accepted values fit on PostgreSQL too."""
    lines = [_line(name="n" * 255, quantity=MAX_QUANTITY, unit_price="999999.99", product_id="p" * 255)]
    event = record_event(
        "order_completed",
        email="a" * 64 + "@example.com",
        customer_id="9" * 255,
        data={"id": "o" * 255, "cart_id": "c" * 255, "currency": "eur", "lines": lines},
        customer={"first_name": "F" * 150, "last_name": "L" * 150, "language": "pt-br", "time_zone": "Europe/Moscow"},
        occurred_at="2030-01-01T10:00:00+03:00",
        key="k" * 255,
    )
    assert event.data["total"] == "999999990000.00"  # 10^6 × 999,999.99: just below 10^12
    assert event.data["currency"] == "EUR"
    assert event.occurred_at == datetime(2030, 1, 1, 7, tzinfo=UTC)
    tick(datetime(2030, 1, 1, 8, tzinfo=UTC))
    contact = Contact.objects.get()
    assert (len(contact.first_name), contact.language, contact.orders_count) == (150, "pt-br", 1)
    assert Event.objects.get().error == ""


# -- the command line ------------------------------------------------------------------------------

CLI = [
    ("at-month-13", ["--at", "2025-13-45T10:00:00Z"], "--at: '2025-13-45T10:00:00Z' is not a valid ISO-8601"),
    ("at-garbage", ["--at", "yesterday"], "is not a valid ISO-8601 date and time"),
    ("data-nan", ["--data", '{"id": "1", "currency": "EUR", "total": NaN}'], "NaN is not a JSON value"),
    ("data-infinity", ["--data", '{"score": Infinity}'], "Infinity is not a JSON value"),
    ("data-nul", ["--data", json.dumps({**cart_payload(), "id": "c\x00"})], "id contains a NUL character"),
    ("data-deep", ["--data", "[" * 100_000 + "]" * 100_000], "--data is nested too deeply"),
    ("data-not-json", ["--data", "{id: 1}"], "--data is not valid JSON"),
    ("customer-email", ["--customer", '{"email": "evil@example.net"}'], "customer.email may not be set"),
    ("customer-id-long", ["--customer-id", "9" * 300], "customer_id is longer than 255"),
    ("key-long", ["--key", "k" * 256], "key must be a non-empty string of at most 255"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in CLI], ids=[c[0] for c in CLI])
def test_triggers_event_answers_hostile_input_with_a_command_error(args, message):
    kind = "customer_seen" if args[0] == "--data" and "Infinity" in args[1] else "cart_updated"
    base = ["--data", json.dumps(cart_payload())] if "--data" not in args and kind == "cart_updated" else []
    with pytest.raises(CommandError) as refused:
        call_command("triggers_event", kind, "--email", EMAIL, *base, *args)
    assert message in str(refused.value)
    assert Event.objects.count() == 0


def test_triggers_event_accepts_a_valid_event_at_a_given_moment(capsys):
    call_command(
        "triggers_event",
        "customer_seen",
        "--email",
        EMAIL,
        "--at",
        "2030-01-01T10:00:00Z",
        "--customer",
        '{"first_name": "Anna"}',
    )
    event = Event.objects.get()
    assert event.occurred_at == datetime(2030, 1, 1, 10, tzinfo=UTC)
    assert event.data == {"customer": {"first_name": "Anna"}}
    assert "Recorded event" in capsys.readouterr().out
