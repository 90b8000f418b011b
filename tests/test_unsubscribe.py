"""Unsubscribe links and headers: signed tokens, GET never unsubscribes, one-click POST does."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from wagtail_triggers.models import Contact, Enrollment, Suppression


def _unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    url = re.fullmatch(r"<(https://shop\.example(/.+))>", header)
    assert url, header
    return url.group(2)


@pytest.fixture
def letter(enable, clock, events):
    enable("forgotten_cart")
    events.cart()
    clock.tick(minutes=61)
    [message] = mail.outbox
    return message


def test_letters_carry_rfc8058_headers_and_a_link_in_the_body(letter):
    assert letter.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = _unsubscribe_path(letter)
    assert path in letter.alternatives[0][0] and path in letter.body
    assert re.fullmatch(r"<[0-9a-f]{32}@shop\.example>", letter.extra_headers["Message-ID"])


def test_get_shows_a_button_and_does_not_unsubscribe(letter):
    response = Client().get(_unsubscribe_path(letter))
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert Contact.objects.get().unsubscribed_at is None


def test_one_click_post_without_cookies_unsubscribes_and_stops_the_chain(letter, clock):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _unsubscribe_path(letter), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not response.has_header("Location")
    contact = Contact.objects.get()
    assert contact.unsubscribed_at is not None
    assert Suppression.objects.get().reason == "unsubscribed"
    assert Enrollment.objects.get().state == Enrollment.State.STOPPED
    clock.tick(days=3)
    assert len(mail.outbox) == 1  # nothing more


def test_repeated_post_is_harmless(letter):
    path = _unsubscribe_path(letter)
    Client().post(path)
    assert Client().post(path).status_code == 200
    assert Suppression.objects.count() == 1


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t, lambda t: "garbage"]
)
def test_tampered_tokens_get_a_400_page(letter, mangle):
    path = _unsubscribe_path(letter)
    token = path.rstrip("/").rsplit("/", 1)[1]
    bad = path.replace(token, mangle(token))
    for response in (Client().get(bad), Client().post(bad)):
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert Contact.objects.get().unsubscribed_at is None


def test_unsubscribed_before_send_time_gets_nothing(enable, clock, events):
    from wagtail_triggers.consent import unsubscribe_contact

    enable("forgotten_cart")
    events.cart()
    clock.tick()
    unsubscribe_contact(Contact.objects.get())
    clock.tick(days=3)
    assert mail.outbox == []
    events.cart(cart_id="again")
    clock.tick(days=3)
    assert mail.outbox == []
