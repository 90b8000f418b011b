"""Data rights: a Saleor webhook for a forgotten customer is accepted (no retries) and ignored."""

from __future__ import annotations

from wagtail_triggers.models import Contact, Event
from wagtail_triggers.privacy import forget_contact

from .conftest import checkout_payload


def test_a_signed_checkout_of_a_forgotten_customer_stores_nothing(installed, webhooks):
    forget_contact("anna@example.com")
    response = webhooks.post("CHECKOUT_UPDATED", checkout_payload(email="Anna@Example.com"))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ignored", "events": [], "ignored": 1, "duplicates": 0}
    assert not Event.objects.exists() and not Contact.objects.filter(email="anna@example.com").exists()
    # Somebody else's checkout still goes through.
    other = webhooks.post("CHECKOUT_UPDATED", checkout_payload(email="boris@example.com", token="t-2"))
    assert other.status_code == 200 and Event.objects.get().email == "boris@example.com"
