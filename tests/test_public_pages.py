"""The public pages a letter's links open: a damaged or expired link says what happened and what
the reader can do; the preferences page opens on the contact's current choice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail_triggers import consent
from wagtail_triggers.models import Contact, Scenario
from wagtail_triggers.tokens import PREFERENCES, UNSUBSCRIBE, make_contact_token

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _damaged(purpose: str, view: str) -> str:
    contact = Contact.objects.create(email="anna@example.com")
    token = make_contact_token(purpose, contact.pk)
    return reverse(view, args=[token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")])


@pytest.mark.parametrize(
    ("purpose", "view"),
    [(UNSUBSCRIBE, "wagtail_triggers:unsubscribe"), (PREFERENCES, "wagtail_triggers:preferences")],
)
def test_a_damaged_link_says_what_happened_and_what_to_do(settings, purpose, view):
    settings.TRIGGERS_SUPPORT_EMAIL = "help@shop.example"
    response = Client().get(_damaged(purpose, view))
    assert response.status_code == 400
    text = _text(response)
    assert "The link is damaged" in text and "Nothing was changed." in text
    assert "Open the same link from our latest letter" in text
    assert 'href="mailto:help@shop.example"' in response.content.decode()
    assert "by hand" not in text


def test_without_a_support_address_the_damaged_link_page_points_to_the_shop(settings):
    settings.TRIGGERS_SUPPORT_EMAIL = ""
    settings.TRIGGERS_SHOP_URL = "https://shop.example/"
    response = Client().get(_damaged(UNSUBSCRIBE, "wagtail_triggers:unsubscribe"))
    assert response.status_code == 400
    assert "mailto:" not in response.content.decode()
    assert re.search(r'Or contact us through <a href="https://shop.example/">', response.content.decode())


def test_a_damaged_click_link_gets_the_same_page():
    response = Client().get(reverse("wagtail_triggers:click", args=["not-a-token"]))
    assert response.status_code == 400
    assert "The link is damaged" in _text(response)


def test_an_expired_link_says_it_is_too_old(settings):
    contact = Contact.objects.create(email="anna@example.com")
    token = make_contact_token(UNSUBSCRIBE, contact.pk)
    settings.TRIGGERS_UNSUBSCRIBE_MAX_AGE = timedelta(seconds=-1)
    response = Client().get(reverse("wagtail_triggers:unsubscribe", args=[token]))
    assert response.status_code == 410
    text = _text(response)
    assert "This link has expired" in text and "Open the same link from our latest letter" in text


# -- the preferences page opens on the current choice ---------------------------------------


def _checked(contact: Contact, scenario: Scenario | None = None) -> str:
    token = make_contact_token(PREFERENCES, contact.pk, scenario_id=scenario.pk if scenario else None)
    html = Client().get(reverse("wagtail_triggers:preferences", args=[token])).content.decode()
    checked = re.findall(r'<input[^>]*value="(\w+)"[^>]*checked', html)
    assert len(checked) == 1, html
    return checked[0]


@pytest.fixture
def scenario(db) -> Scenario:
    return Scenario.objects.create(kind="forgotten_cart", name="Forgotten cart")


def test_a_subscribed_contact_sees_letters_on(scenario):
    contact = Contact.objects.create(email="anna@example.com")
    assert _checked(contact) == "resubscribe"
    assert _checked(contact, scenario) == "resubscribe"


def test_an_unsubscribed_contact_sees_everything_stopped(scenario):
    contact = Contact.objects.create(email="anna@example.com")
    consent.unsubscribe_contact(contact)
    assert _checked(contact, scenario) == "all"


def test_a_paused_contact_sees_the_pause(scenario):
    contact = Contact.objects.create(email="anna@example.com")
    consent.pause(contact, days=30)
    assert _checked(contact, scenario) == "pause"


def test_a_pause_that_ended_no_longer_counts(scenario):
    contact = Contact.objects.create(email="anna@example.com")
    consent.pause(contact, days=30).__class__.objects.filter(contact=contact).update(
        until=timezone.now() - timedelta(days=1)
    )
    assert _checked(contact, scenario) == "resubscribe"


def test_a_contact_out_of_this_scenario_sees_it_stopped_only_from_its_link(scenario):
    contact = Contact.objects.create(email="anna@example.com")
    consent.unsubscribe_from_scenario(contact, scenario)
    assert _checked(contact, scenario) == "scenario"
    assert _checked(contact) == "resubscribe"  # a general link: the other letters still come


def test_after_saving_the_page_shows_the_new_choice(scenario):
    contact = Contact.objects.create(email="anna@example.com")
    token = make_contact_token(PREFERENCES, contact.pk, scenario_id=scenario.pk)
    response = Client().post(reverse("wagtail_triggers:preferences", args=[token]), {"choice": "pause"})
    assert response.status_code == 200
    assert re.findall(r'<input[^>]*value="(\w+)"[^>]*checked', response.content.decode()) == ["pause"]
