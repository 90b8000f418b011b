"""The contact view: a customer's letters, chains, events and consent, and the staff actions."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.models import ModelLogEntry

from tests.conftest import cart_payload
from wagtail_triggers.engine import tick
from wagtail_triggers.events import record_event
from wagtail_triggers.models import Contact, Delivery, Enrollment
from wagtail_triggers.privacy import PLACEHOLDER_EMAIL, forget_contact


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


def test_the_contact_chooser_never_offers_the_placeholder_of_forgotten_people(admin_client, anna):
    forget_contact("boris@example.com")  # creates the anonymous placeholder
    html = admin_client.get(reverse("wagtail_triggers_contact_chooser:choose_results")).content.decode()
    assert "anna@example.com" in html
    assert Contact.objects.filter(email=PLACEHOLDER_EMAIL).exists() and PLACEHOLDER_EMAIL not in html


def test_choosing_a_contact_answers_with_the_contact_and_a_link_to_their_page(admin_client, anna):
    """The contact viewset has no edit view: the chooser's link leads to the contact's page, not a 500."""
    response = admin_client.get(reverse("wagtail_triggers_contact_chooser:chosen", args=[anna.pk]))
    assert response.status_code == 200
    result = json.loads(response.content)["result"]
    assert result["id"] == str(anna.pk)
    assert "anna@example.com" in result["title"]
    assert result["edit_url"] == reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])


# -- data rights: the CSV export, "Export data (JSON)" and "Forget this person" ------------------


def test_the_contacts_csv_export_has_a_header_and_one_row_per_contact(admin_client, anna):
    import csv
    import io

    Contact.objects.create(email="boris@example.com", first_name="Boris", orders_count=2)
    response = admin_client.get(reverse("wagtail_triggers_contacts:index"), {"export": "csv"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('contacts.csv"')
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
        "Email",
        "First name",
        "Last name",
        "Customer id in the shop",
        "Language",
        "Completed orders",
        "Last order",
        "Last seen",
        "Last activity",
        "Created",
        "Consent",
        "Unsubscribed",
    ]
    by_email = {row[0]: row for row in rows[1:]}
    assert sorted(by_email) == ["anna@example.com", "boris@example.com"] and len(rows) == 3
    assert by_email["boris@example.com"][1] == "Boris" and by_email["boris@example.com"][5] == "2"
    assert by_email["anna@example.com"][10] == "Subscribed"


def test_export_data_downloads_everything_and_is_logged(make_user, client, anna):
    client.force_login(make_user("viewer", "wagtail_triggers.view_contact"))
    html = client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    assert "Export data (JSON)" in html and "Forget this person" not in html
    response = client.get(reverse("wagtail_triggers_contacts:export", args=[anna.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="contact-{anna.pk}.json"'
    document = json.loads(response.content)
    assert document["email"] == "anna@example.com" and len(document["deliveries"]) == 1
    assert [e["kind"] for e in document["events"]] == ["cart_updated"]
    entry = ModelLogEntry.objects.for_instance(anna).get()
    assert entry.action == "wagtail_triggers.export" and entry.user.username == "viewer"


def test_users_without_contact_permissions_cannot_export(make_user, client, anna):
    client.force_login(make_user("editor", "wagtail_triggers.change_emailtemplate"))
    response = client.get(reverse("wagtail_triggers_contacts:export", args=[anna.pk]))
    assert response.status_code in (302, 403) and b"anna@example.com" not in response.content


def test_only_the_forget_permission_may_forget(make_user, client, anna, mailoutbox):
    url = reverse("wagtail_triggers_contacts:forget", args=[anna.pk])
    client.force_login(make_user("support", "wagtail_triggers.view_contact", "wagtail_triggers.change_contact"))
    assert client.get(url).status_code in (302, 403)
    assert client.post(url).status_code in (302, 403)
    assert Contact.objects.filter(email="anna@example.com").exists()

    client.force_login(make_user("dpo", "wagtail_triggers.view_contact", "wagtail_triggers.forget_contact"))
    html = client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    assert "Forget this person" in html
    page = client.get(url)
    assert page.status_code == 200 and b"Yes, forget this person" in page.content
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("wagtail_triggers_contacts:index")
    assert not Contact.objects.filter(email="anna@example.com").exists()
    entry = ModelLogEntry.objects.get(action="wagtail_triggers.forget")
    assert entry.user.username == "dpo" and "anna" not in f"{entry.label} {entry.data}"
    listing = client.get(reverse("wagtail_triggers_contacts:index")).content.decode()
    assert "anna@example.com" not in listing and "erased@invalid" not in listing
    # Her next cart is ignored: no letter.
    record_event("cart_updated", email="anna@example.com", data=cart_payload("c9"), occurred_at=timezone.now())
    tick(timezone.now() + timedelta(days=3))
    assert len(mailoutbox) == 1


def test_the_anonymous_placeholder_cannot_be_exported_or_forgotten(admin_client, anna):
    from wagtail_triggers.privacy import PLACEHOLDER_EMAIL, forget_contact

    forget_contact("anna@example.com")
    placeholder = Contact.objects.get(email=PLACEHOLDER_EMAIL)
    assert admin_client.get(reverse("wagtail_triggers_contacts:export", args=[placeholder.pk])).status_code == 404
    response = admin_client.post(reverse("wagtail_triggers_contacts:forget", args=[placeholder.pk]))
    assert response.status_code == 302 and Contact.objects.filter(email=PLACEHOLDER_EMAIL).exists()
    assert Delivery.objects.get().contact == placeholder  # her letter is still counted, anonymously


def test_removing_from_a_chain_asks_for_confirmation_first(admin_client, anna):
    enrollment = Enrollment.objects.get(contact=anna)
    url = reverse("wagtail_triggers_contacts:remove_from_chain", args=[anna.pk, enrollment.pk])
    detail = admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    assert f'href="{url}"' in detail  # the contact page links to the question, it does not act
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Remove anna@example.com from the chain “Forgotten cart”?" in html
    assert re.search(r"Letter 2, due\s*<button[^>]*w-human-readable-date.*?>In \d+\s(hours?|days?)</time>", html, re.S)
    assert "and the letters after it will not be sent." in html
    assert "Yes, remove from this chain" in html and "Cancel" in html
    enrollment.refresh_from_db()
    assert enrollment.state == Enrollment.State.ACTIVE  # asking changed nothing
    assert not ModelLogEntry.objects.for_instance(anna).exists()
    assert admin_client.post(url).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.state == Enrollment.State.STOPPED
    # Asked again once the chain is over: no question, just the note.
    again = admin_client.get(url, follow=True).content.decode()
    assert "That chain had already ended." in again


def test_removing_from_another_contacts_chain_is_not_found(admin_client, anna):
    other = Contact.objects.create(email="boris@example.com")
    enrollment = Enrollment.objects.get(contact=anna)
    url = reverse("wagtail_triggers_contacts:remove_from_chain", args=[other.pk, enrollment.pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404


def _chain_cells(html: str) -> str:
    """The contact page's "Chains" table only (the events table names event kinds on purpose)."""
    start = html.index('<h2 class="w-h3">Chains</h2>')
    return html[start : html.index("</table>", start)]


def test_a_chain_ended_by_an_order_says_so_not_the_event_being_processed(admin_client, anna):
    # The shop reports a first order as "registered" then "order completed": the engine meets the
    # registration first, and the order (already stored) is what reached the cart chain's goal.
    moment = timezone.now() + timedelta(hours=3)
    record_event("customer_registered", email="anna@example.com", occurred_at=moment)
    order = {
        "id": "o1",
        "number": "N-1",
        "cart_id": "c1",
        "url": "https://shop.example/orders/o1/",
        "currency": "EUR",
        "lines": cart_payload("c1")["lines"],
    }
    record_event("order_completed", email="anna@example.com", data=order, occurred_at=moment)
    tick(moment + timedelta(minutes=1))
    chain = Enrollment.objects.get(contact=anna, scenario__kind="forgotten_cart")
    assert (chain.state, chain.stop_reason) == (Enrollment.State.GOAL, "goal: order_completed")
    chains = _chain_cells(
        admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    )
    assert "Goal reached: placed an order" in chains
    assert "customer_registered" not in chains and "goal:" not in chains


def test_chain_subjects_are_words_and_money_not_internal_ids(admin_client, anna, enable):
    enable("wakeup_360")
    away_since = timezone.now() - timedelta(days=370)
    record_event("customer_seen", email="tom@example.com", occurred_at=away_since)
    tick(timezone.now() + timedelta(seconds=2))
    tom = Contact.objects.get(email="tom@example.com")
    assert tom.enrollments.get().subject_id.startswith("absence:")

    anna_chains = _chain_cells(
        admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    )
    assert 'Forgotten cart <span class="w-triggers-muted">— cart c1 — €61.80</span>' in anna_chains
    tom_chains = _chain_cells(
        admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[tom.pk])).content.decode()
    )
    day = date_format(timezone.localtime(tom.last_activity_at), "DATE_FORMAT")
    assert f'Wake-up after 360 days <span class="w-triggers-muted">— absence since {day}</span>' in tom_chains
    assert "absence:" not in tom_chains


def test_outcome_and_subject_labels(anna):
    from django.utils import translation

    from wagtail_triggers.labels import outcome_label, subject_label

    chain = Enrollment.objects.get(contact=anna)
    chain.finish(Enrollment.State.GOAL, "goal: order_completed")
    with translation.override("en"):
        assert outcome_label(chain) == "Goal reached: placed an order"
        assert subject_label(chain) == "cart c1 — €61.80"
    chain.finish(Enrollment.State.STOPPED, "unsubscribed")
    with translation.override("en"):
        assert outcome_label(chain) == "Stopped (Unsubscribed)"
    chain.finish(Enrollment.State.STOPPED, "a kind's own reason")
    assert outcome_label(chain).endswith("(a kind's own reason)")


def test_dates_on_the_contact_page_and_listing_are_wagtails_human_readable_ones(admin_client, anna):
    """One date style everywhere, as in Wagtail's own listings: "3 hours ago" with the full date
    and time in a tooltip; the next letter reads "in …", not "just now"."""
    enrollment = Enrollment.objects.get(contact=anna)
    html = admin_client.get(reverse("wagtail_triggers_contacts:inspect", args=[anna.pk])).content.decode()
    dates = re.findall(r'class="w-human-readable-date".*?<time[^>]*>(.*?)</time>', html, re.S)
    assert len(dates) >= 5  # last activity, the chain's start and next letter, the letter, the event
    assert any(re.fullmatch(r"In \d+\s(hours?|days?)", text.strip()) for text in dates), dates
    assert any(text.strip().endswith("ago") or text.strip() == "Just now" for text in dates), dates
    assert re.search(r"\d{2}/\d{2}/\d{4}", html) is None  # no SHORT_DATETIME_FORMAT left
    assert enrollment.started_at.strftime("%Y-%m-%dT%H:%M") in html  # the machine-readable datetime
    listing = admin_client.get(reverse("wagtail_triggers_contacts:index")).content.decode()
    row = listing[listing.index("anna@example.com") :]
    assert 'class="w-human-readable-date"' in row[:3000]


def test_a_russian_admin_reads_built_in_scenario_names_in_russian(admin_client, superuser, anna):
    """The contact page, the removal question and the scenario's report name a provisioned
    scenario in the admin's language (the stored name is the English one)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language = "ru"
    profile.save()
    enrollment = Enrollment.objects.get(contact=anna)
    pages = [
        reverse("wagtail_triggers_contacts:inspect", args=[anna.pk]),
        reverse("wagtail_triggers_contacts:remove_from_chain", args=[anna.pk, enrollment.pk]),
        reverse("wagtail_triggers_reports:scenario", args=[enrollment.scenario_id]),
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert "Забытая корзина" in html, url
        assert "Forgotten cart" not in html, url
