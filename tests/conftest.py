"""Shared fixtures: a clock for time travel, built-in scenarios, cart and order payloads."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from wagtail_triggers import conf
from wagtail_triggers.engine import tick
from wagtail_triggers.events import record_event
from wagtail_triggers.models import Scenario
from wagtail_triggers.provisioning import setup_builtins
from wagtail_triggers.scenarios.registry import registry

from .db_snapshot import Snapshot, capture
from .smtp_server import smtp_server


class Clock:
    """Time travel: every test starts an hour after the scenarios were switched on."""

    def __init__(self, start: datetime):
        self.now = start

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def tick(self, **delta):
        if delta:
            self.advance(**delta)
        return tick(self.now)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every test starts and ends with an empty cache (throttles, tokens, installs live there)."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def clock() -> Clock:
    return Clock(timezone.now().replace(microsecond=0) + timedelta(hours=1))


def provisioning_inputs() -> tuple:
    """What ``setup_builtins`` depends on besides the code: the languages, the registered kinds
    and the app's settings."""
    names = sorted(name for name in dir(django_settings) if name.startswith("TRIGGERS_"))
    return (
        tuple(conf.supported_languages()),
        tuple(kind.kind for kind in registry),
        tuple((name, repr(getattr(django_settings, name))) for name in names),
    )


@pytest.fixture(scope="session")
def builtins_snapshot(django_db_setup, django_db_blocker) -> tuple[tuple, Snapshot]:
    """The built-in scenarios and letters, provisioned once per test run (it takes hundreds of
    queries) and written back for each test that asks for them."""
    with django_db_blocker.unblock():
        inputs = provisioning_inputs()
        snapshot = capture(setup_builtins)
    for cache in caches.all():
        cache.clear()
    return inputs, snapshot


def _database_flushed() -> bool:
    """Transactional tests (live server, racing workers) run outside the test's transaction, on
    a database an earlier one flushed, so the rows the snapshot refers to (Wagtail's locales and
    sites, content types) may be gone."""
    return not connection.in_atomic_block


@pytest.fixture
def builtins(db, builtins_snapshot):
    inputs, snapshot = builtins_snapshot
    if provisioning_inputs() == inputs and not _database_flushed():
        snapshot.restore()
    else:  # changed languages, kinds or settings, or a flushed database: provision for real
        setup_builtins()
    return {s.kind: s for s in Scenario.objects.all()}


@pytest.fixture
def enable(builtins):
    def _enable(*kinds: str) -> list[Scenario]:
        enabled = []
        for kind in kinds:
            scenario = Scenario.objects.get(kind=kind)
            scenario.set_enabled(True)
            enabled.append(scenario)
        return enabled

    return _enable


def cart_payload(cart_id: str = "c1", lines: int = 2, currency: str = "EUR") -> dict:
    catalogue = [
        ("Stoneware mug", "14.90", 2),
        ("Linen apron", "32.00", 1),
        ("Cast-iron skillet", "59.00", 1),
    ]
    return {
        "id": cart_id,
        "url": f"https://shop.example/cart/{cart_id}/",
        "currency": currency,
        "lines": [
            {
                "product_id": str(i),
                "name": name,
                "quantity": qty,
                "unit_price": price,
                "image_url": f"https://shop.example/media/p{i}.png",
                "url": f"https://shop.example/p/{i}/",
            }
            for i, (name, price, qty) in enumerate(catalogue[:lines], start=1)
        ],
    }


def order_payload(order_id: str = "o1", cart_id: str = "", lines: int = 2) -> dict:
    cart = cart_payload(cart_id or "x", lines)
    return {
        "id": order_id,
        "number": f"N-{order_id}",
        "cart_id": cart_id,
        "url": f"https://shop.example/orders/{order_id}/",
        "currency": "EUR",
        "lines": cart["lines"],
    }


@pytest.fixture
def events(clock):
    """Shortcuts that record events at the clock's time."""

    class Events:
        def cart(self, email="anna@example.com", cart_id="c1", lines=2, **kw):
            return record_event(
                "cart_updated", email=email, data=cart_payload(cart_id, lines), occurred_at=clock.now, **kw
            )

        def order(self, email="anna@example.com", order_id="o1", cart_id="", **kw):
            return record_event(
                "order_completed", email=email, data=order_payload(order_id, cart_id), occurred_at=clock.now, **kw
            )

        def cancel(self, email="anna@example.com", order_id="o1", **kw):
            return record_event(
                "order_cancelled", email=email, data=order_payload(order_id), occurred_at=clock.now, **kw
            )

        def seen(self, email="anna@example.com", at=None, **kw):
            return record_event("customer_seen", email=email, occurred_at=at or clock.now, **kw)

    return Events()


def sent_to(email: str) -> list:
    return [m for m in mail.outbox if email in m.to]


def scenario_of(message) -> str:
    return message.extra_headers["X-Triggers-Scenario"]


def link_targets(html: str) -> list[str]:
    """Where the letter's links lead, with click-tracking links decoded."""
    import re

    from wagtail_triggers.tracking import read_click_token

    targets = []
    for href in re.findall(r'href="([^"]+)"', html):
        match = re.search(r"/triggers/c/([^/]+)/$", href)
        targets.append(read_click_token(match.group(1))[1] if match else href)
    return targets


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback, with Django's SMTP backend pointed at it; yields its inbox."""
    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield inbox
