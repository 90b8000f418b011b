"""The contact view: a customer's letters, chains, events and consent, and the staff actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.conftest import cart_payload
from wagtail_triggers.engine import tick
from wagtail_triggers.events import record_event
from wagtail_triggers.models import Contact, Delivery, Enrollment


@pytest.fixture
def anna(enable, mailoutbox):
    """Anna left a cart; the reminder went out, the next letter is queued in the chain."""
    enable("forgotten_cart")
    now = timezone.now() + timedelta(seconds=1)
    record_event("cart_updated", email="anna@example.com", data=cart_payload("c1"), occurred_at=now)
    tick(now)
    tick(now + timedelta(hours=2))
    assert len(mailoutbox) == 1
    return Contact.objects.get(email="anna@example.com")


def test_contacts_are_listed_and_searchable(admin_client, anna):
    Contact.objects.create(email="boris@example.com")
    index = reverse("wagtail_triggers_contacts:index")
    html = admin_client.get(index).content.decode()
    assert "anna@example.com" in html and "boris@example.com" in html and "Subscribed" in html
    found = admin_client.get(index, {"q": "boris"}).content.decode()
    assert "boris@example.com" in found and "anna@example.com" not in found


def test_the_contact_view_shows_letters_chains_events_and_consent(admin_client, anna):
    html = admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    assert "You left something in your cart" in html  # the letter
    assert "Forgotten cart" in html and "Active" in html  # the chain
    assert "cart_updated" in html  # the event
    assert "Subscribed" in html and "Unsubscribe from all trigger letters" in html
    assert "Remove from this chain" in html


def test_contacts_cannot_be_created_edited_or_deleted_here(admin_client, anna):
    assert admin_client.get("/admin/trigger-emails/contacts/new/").status_code == 404
    assert admin_client.get(f"/admin/trigger-emails/contacts/edit/{anna.pk}/").status_code == 404
    assert admin_client.get(f"/admin/trigger-emails/contacts/delete/{anna.pk}/").status_code == 404


def test_unsubscribing_a_contact_stops_their_letters_and_is_logged(admin_client, anna, mailoutbox):
    response = admin_client.post(reverse("wagtail_triggers_contacts:unsubscribe", args=[anna.pk]))
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.unsubscribed_at is not None
    assert not Enrollment.objects.filter(contact=anna, state=Enrollment.State.ACTIVE).exists()
    assert [e.action for e in ModelLogEntry.objects.for_instance(anna)] == ["wagtail_triggers.unsubscribe"]
    tick(timezone.now() + timedelta(days=3))
    assert len(mailoutbox) == 1


def test_removing_a_contact_from_one_chain_stops_only_that_chain(admin_client, anna, mailoutbox):
    enrollment = Enrollment.objects.get(contact=anna)
    queued = Delivery.objects.create(
        enrollment=enrollment,
        position=2,
        scenario=enrollment.scenario,
        contact=anna,
        due_at=timezone.now(),
        not_before=timezone.now(),
    )
    url = reverse("wagtail_triggers_contacts:remove_from_chain", args=[anna.pk, enrollment.pk])
    response = admin_client.post(url)
    assert response.status_code == 302
    enrollment.refresh_from_db()
    queued.refresh_from_db()
    anna.refresh_from_db()
    assert enrollment.state == Enrollment.State.STOPPED and enrollment.stop_reason == "removed by staff"
    assert queued.status == Delivery.Status.SKIPPED
    assert anna.unsubscribed_at is None  # still subscribed to everything else
    entry = ModelLogEntry.objects.for_instance(anna).get()
    assert entry.action == "wagtail_triggers.remove_from_chain" and entry.data["scenario"] == "Forgotten cart"
    tick(timezone.now() + timedelta(days=3))
    assert len(mailoutbox) == 1


def test_the_audit_log_shows_staff_actions_on_the_contact(admin_client, anna):
    admin_client.post(reverse("wagtail_triggers_contacts:unsubscribe", args=[anna.pk]))
    html = admin_client.get(reverse("wagtail_triggers_contacts:history", args=[anna.pk])).content.decode()
    assert "Unsubscribed from all trigger letters by staff" in html


def test_the_contact_chooser_finds_contacts_by_email(admin_client, anna):
    html = admin_client.get(reverse("wagtail_triggers_contact_chooser:choose_results"), {"q": "anna"}).content.decode()
    assert "anna@example.com" in html
