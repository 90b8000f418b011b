"""Bounces and complaints from django-anymail's tracking signal; the app works without anymail."""

from __future__ import annotations

import importlib
import sys

import pytest
from django.core import mail

from wagtail_triggers import esp
from wagtail_triggers.models import Contact, Delivery, Suppression, TrackingEvent

anymail = pytest.importorskip("anymail")
from anymail.signals import AnymailTrackingEvent, tracking  # noqa: E402


@pytest.fixture
def sent(enable, clock, events, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    delivery = Delivery.objects.get()
    assert delivery.esp_message_id != ""
    return delivery


def _event(delivery, event_type, event_id="ev-1", **extra):
    return AnymailTrackingEvent(event_type=event_type, message_id=delivery.esp_message_id, event_id=event_id, **extra)


def test_a_bounce_suppresses_the_address_and_stops_the_chain(sent, clock):
    tracking.send(sender=object, event=_event(sent, "bounced", description="mailbox full"), esp_name="Test")
    sent.refresh_from_db()
    assert sent.bounced_at is not None
    assert Suppression.objects.get().reason == Suppression.Reason.BOUNCED
    clock.tick(days=3)
    assert len(mail.outbox) == 1


def test_a_complaint_suppresses_and_duplicates_are_ignored(sent):
    assert esp.handle_tracking(object, _event(sent, "complained", "c-1"), esp_name="Test") == "complaint"
    assert esp.handle_tracking(object, _event(sent, "complained", "c-1"), esp_name="Test") == "duplicate"
    assert TrackingEvent.objects.filter(kind="complaint").count() == 1
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINED


def test_delivered_and_unknown_messages(sent):
    assert esp.handle_tracking(object, _event(sent, "delivered", "d-1"), esp_name="Test") == "delivered"
    assert Delivery.objects.get().delivered_at is not None
    stranger = AnymailTrackingEvent(event_type="bounced", message_id="not-ours", event_id="x")
    assert esp.handle_tracking(object, stranger, esp_name="Test") == "unknown message"
    assert Contact.objects.get().suppressions.count() == 0


def test_the_app_imports_and_connects_cleanly_without_anymail(monkeypatch):
    monkeypatch.setitem(sys.modules, "anymail", None)
    monkeypatch.setitem(sys.modules, "anymail.signals", None)
    module = importlib.reload(esp)
    assert module.connect() is False
    assert module.provider_message_id(object()) == ""
