"""The whole path through a real SMTP server on loopback: event → tick → SMTP → parsed message."""

from __future__ import annotations

import re

from wagtail_triggers.models import Delivery
from wagtail_triggers.tracking import read_click_token

from .conftest import link_targets
from .smtp_server import free_port


def test_forgotten_cart_letter_arrives_with_headers_html_lines_and_text_part(enable, clock, events, smtp):
    enable("forgotten_cart")
    events.cart(customer={"first_name": "Anna"})
    assert clock.tick(minutes=61).counts["sent"] == 1
    [message] = smtp.messages
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == "You left something in your cart"
    assert "Test shop" in message["From"] and "shop@example.com" in message["From"]
    assert message["List-Unsubscribe"].strip().startswith("<https://shop.example/triggers/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = Delivery.objects.get()
    assert message["Message-ID"] == delivery.message_id
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    for expected in (
        "Stoneware mug",
        "Linen apron",
        "€14.90",
        "€61.80",
        "https://shop.example/media/p1.png",
    ):
        assert expected in html
    assert "https://shop.example/cart/c1/" in link_targets(html)
    assert "Anna" in html
    text_targets = [read_click_token(token)[1] for token in re.findall(r"/triggers/c/([^/\s)]+)/", text)]
    assert "Stoneware mug" in text and "https://shop.example/cart/c1/" in text_targets and "<td" not in text
    assert delivery.status == Delivery.Status.SENT and delivery.to_email == "anna@example.com"


def test_a_temporary_refusal_is_retried_later_and_sent_once(enable, clock, events, smtp):
    enable("forgotten_cart")
    events.cart()
    smtp.refuse_with = "451 4.3.0 Try again later"
    report = clock.tick(minutes=61)
    assert report.counts["postponed"] == 1 and smtp.messages == []
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1
    smtp.refuse_with = None
    assert clock.tick(minutes=1).counts["sent"] == 0  # backoff not over yet
    assert clock.tick(minutes=2).counts["sent"] == 1
    assert len(smtp.messages) == 1


def test_a_permanent_refusal_fails_without_resending(enable, clock, events, smtp):
    enable("forgotten_cart")
    events.cart()
    smtp.refuse_with = "550 5.1.1 No such user"
    assert clock.tick(minutes=61).counts["failed"] == 1
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    clock.tick(minutes=30)
    assert smtp.messages == []


def test_no_server_means_the_letter_waits(enable, clock, events, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    enable("forgotten_cart")
    events.cart()
    report = clock.tick(minutes=61)
    assert report.counts["sent"] == 0 and report.counts["postponed"] == 1
    assert Delivery.objects.get().status == Delivery.Status.QUEUED
