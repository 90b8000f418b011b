"""Preferences, pauses, scoped and transactional unsubscribes, and expired consent links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from wagtail_triggers.consent import pause, resubscribe, unsubscribe_contact
from wagtail_triggers.models import Contact, Suppression


def transactional_cancelled_order(builtins):
    """The cancelled-order chain, marked transactional by the owner and switched on."""
    scenario = builtins["cancelled_order"]
    scenario.transactional = True
    scenario.save()
    scenario.set_enabled(True)
    return scenario


def _link(html: str, name: str) -> str:
    return re.search(rf'href="https://shop\.example(/triggers/{name}/[^"]+)"', html).group(1)


@pytest.fixture
def letter(enable, clock, events):
    enable("forgotten_cart", "cancelled_order")
    events.cart()
    clock.tick(minutes=61)
    return mail.outbox[0]


def test_preferences_page_offers_scenario_all_pause_and_resubscribe(letter):
    response = Client().get(_link(letter.alternatives[0][0], "preferences"))
    assert response.status_code == 200
    body = response.content.decode()
    for choice in ("scenario", "all", "pause", "resubscribe"):
        assert f'value="{choice}"' in body
    assert "Forgotten cart" in body


def test_unsubscribing_from_one_scenario_keeps_the_others(letter, clock, events):
    client = Client()
    path = _link(letter.alternatives[0][0], "preferences")
    client.get(path)
    assert client.post(path, {"choice": "scenario"}).status_code == 200
    assert Suppression.objects.get().scenario.kind == "forgotten_cart"
    events.cart(cart_id="c2")
    events.cancel(order_id="o1")
    clock.tick(minutes=61)
    kinds = [m.extra_headers["X-Triggers-Scenario"] for m in mail.outbox[1:]]
    assert kinds == ["cancelled_order"]


def test_pause_holds_letters_then_the_chain_resumes(letter, clock, events):
    contact = Contact.objects.get()
    pause(contact, days=30)  # real time: from now for 30 days
    pause_end = Suppression.objects.get().until
    events.cart(cart_id="c2")  # no new chain starts while paused
    report = clock.tick(days=1, minutes=1)  # the running chain's second letter is due…
    assert report.counts["postponed"] == 1 and len(mail.outbox) == 1  # …and waits
    clock.now = pause_end + timedelta(minutes=1)
    assert clock.tick().counts["sent"] == 1  # resumes when the pause is over
    assert len(mail.outbox) == 2


def test_resubscribe_lifts_unsubscribes_but_history_stays(letter, clock, events):
    contact = Contact.objects.get()
    unsubscribe_contact(contact)
    assert resubscribe(contact) == 1
    events.cart(cart_id="c9")
    clock.tick(minutes=61)
    assert len(mail.outbox) == 2
    assert Suppression.objects.get().lifted_at is not None  # kept, not deleted


def test_a_transactional_letter_still_reaches_a_marketing_unsubscriber(builtins, clock, events):
    scenario = transactional_cancelled_order(builtins)
    events.seen()
    clock.tick()
    unsubscribe_contact(Contact.objects.get())
    events.cancel(order_id="o1")
    clock.tick(minutes=61)
    [letter] = mail.outbox
    header = letter.extra_headers["List-Unsubscribe"][1:-1].replace("https://shop.example", "")
    Client().post(header)  # its own unsubscribe link stops this scenario
    assert Suppression.objects.filter(scenario=scenario).exists()
    clock.tick(days=2)
    assert len(mail.outbox) == 1


def test_a_bounce_stops_even_transactional_letters(builtins, clock, events):
    from wagtail_triggers.consent import suppress

    transactional_cancelled_order(builtins)
    events.cancel(order_id="o1")
    clock.tick()
    suppress(Contact.objects.get(), Suppression.Reason.BOUNCED)
    clock.tick(minutes=61)
    assert mail.outbox == []


@pytest.mark.parametrize("name", ["unsubscribe", "preferences"])
def test_expired_consent_links_get_a_friendly_page(letter, settings, name):
    path = _link(letter.alternatives[0][0], name)
    settings.TRIGGERS_UNSUBSCRIBE_MAX_AGE = timedelta(seconds=-1)
    for response in (Client().get(path), Client().post(path)):
        assert response.status_code == 410 and b"expired" in response.content
    assert Contact.objects.get().unsubscribed_at is None


def test_an_unsubscribe_token_is_not_a_preferences_token(letter):
    unsubscribe = _link(letter.alternatives[0][0], "unsubscribe")
    token = unsubscribe.rstrip("/").rsplit("/", 1)[1]
    assert Client().get(f"/triggers/preferences/{token}/").status_code == 400


def test_a_staff_block_stops_transactional_letters_too(builtins, clock, events):
    from wagtail_triggers.consent import suppress

    transactional_cancelled_order(builtins)
    events.cancel(order_id="o1")
    clock.tick()
    suppress(Contact.objects.get(), Suppression.Reason.STAFF)
    clock.tick(minutes=61)
    assert mail.outbox == []
