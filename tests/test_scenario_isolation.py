"""One broken scenario (a kind no longer registered, or a kind whose code raises) is logged,
marked and shown in the admin, and every other scenario keeps enrolling and sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from wagtail_triggers.models import Delivery, Enrollment, Event, Scenario, Step
from wagtail_triggers.scenarios.builtin import ForgottenCart
from wagtail_triggers.scenarios.registry import registry

CARTS = ("anna@example.com", "boris@example.com", "clara@example.com")


@pytest.fixture
def carts(enable, clock, events):
    enable("forgotten_cart")
    for n, email in enumerate(CARTS):
        events.cart(email=email, cart_id=f"cart{n}")
    clock.tick()
    return clock


def _retire(kind: str, *, moving: str) -> Scenario:
    """A scenario row left enabled after its kind's code was removed, with a chain due now."""
    broken = Scenario.objects.get(kind="cancelled_order")
    Scenario.objects.filter(pk=broken.pk).update(kind=kind, enabled=True)
    Enrollment.objects.filter(contact__email=moving).update(scenario=broken)
    broken.refresh_from_db()
    return broken


def test_an_unregistered_kind_does_not_stop_the_other_scenarios(carts, events, django_user_model, client):
    broken = _retire("retired_kind", moving="anna@example.com")
    report = carts.tick(minutes=61)
    assert report.counts["sent"] == 2 and report.counts["scenario_errors"] == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["boris@example.com", "clara@example.com"]
    broken.refresh_from_db()
    assert "'retired_kind' is not registered" in broken.last_error and broken.last_error_at is not None
    # The broken scenario's chain waits untouched (no letter created, no step skipped) …
    waiting = Enrollment.objects.get(scenario=broken)
    assert waiting.state == Enrollment.State.ACTIVE and not Delivery.objects.filter(enrollment=waiting).exists()
    # … and an event for its contact is still processed for everything else.
    events.cart(email="anna@example.com", cart_id="cart-new")
    carts.tick(minutes=1)
    assert Event.objects.filter(error="").count() == Event.objects.count()
    # The admin listing shows the error on the scenario.
    client.force_login(django_user_model.objects.create_superuser("owner", "owner@example.com", "pw"))
    html = client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert "w-triggers-scenario-error" in html and "retired_kind" in html
    # The kind comes back (the app is reinstalled): the mark clears on the next clean tick.
    Scenario.objects.filter(pk=broken.pk).update(kind="cancelled_order")
    carts.tick(minutes=1)
    broken.refresh_from_db()
    assert broken.last_error == "" and broken.last_error_at is None


class ExplodingCart(ForgottenCart):
    """A kind with bugs: its scan raises, and so does the check run before each of its letters."""

    kind = "exploding_cart"

    def scan(self, scenario, now):
        raise RuntimeError("scan bug")

    def skip_reason(self, enrollment):
        raise RuntimeError("skip-check bug")


@pytest.fixture
def exploding(builtins, clock):
    registry.register(ExplodingCart)
    scenario = Scenario.objects.create(
        kind="exploding_cart", slug="exploding", name="Exploding", enabled=True, enabled_at=clock.now
    )
    Step.objects.create(
        scenario=scenario, position=1, name="Reminder", template_key="forgotten_cart/reminder", delay=timedelta(hours=1)
    )
    yield scenario
    registry._kinds.pop("exploding_cart", None)


def test_a_kind_whose_code_raises_fails_alone(exploding, enable, clock, events):
    enable("forgotten_cart")
    for n, email in enumerate(CARTS):
        events.cart(email=email, cart_id=f"cart{n}")
    assert clock.tick().counts["enrolled"] == 6  # both scenarios enrol on the cart event
    report = clock.tick(minutes=61)
    assert report.counts["sent"] == 3 and report.counts["postponed"] == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(CARTS)
    assert all(m.extra_headers["X-Triggers-Scenario"] == "forgotten_cart" for m in mail.outbox)
    # The letters the bug stopped are not lost: queued again with backoff, the error recorded.
    stuck = Delivery.objects.filter(scenario=exploding)
    assert stuck.count() == 3
    assert {(d.status, d.attempts) for d in stuck} == {(Delivery.Status.QUEUED, 1)}
    assert all("skip-check bug" in d.error for d in stuck)
    exploding.refresh_from_db()
    assert "RuntimeError" in exploding.last_error
    assert Scenario.objects.get(kind="forgotten_cart").last_error == ""
