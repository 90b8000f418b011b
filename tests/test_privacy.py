"""Data rights: export one person's data, forget them for good, retention and the purge.

Everything runs on the real stack: the engine, a real loopback SMTP server, the real tracking
functions, Wagtail's audit log; the searches for the address read every text column.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from wagtail_triggers import analytics
from wagtail_triggers.consent import unsubscribe_contact
from wagtail_triggers.coupons import issue_stored_coupon
from wagtail_triggers.events import record_event
from wagtail_triggers.importing import ContactRow, ImportReport, upsert_contacts
from wagtail_triggers.models import (
    Contact,
    Conversion,
    Delivery,
    EmailTemplate,
    Enrollment,
    ErasedAddress,
    Event,
    IssuedCoupon,
    TrackingEvent,
)
from wagtail_triggers.privacy import (
    PLACEHOLDER_EMAIL,
    UnknownPerson,
    address_digests,
    export_contact,
    forget_contact,
    is_erased,
)
from wagtail_triggers.retention import purge
from wagtail_triggers.tracking import record_click, record_open

from .conftest import cart_payload, order_payload

EMAIL = "Annabel.Zygmunt@Example.com"
ADDRESS = "annabel.zygmunt@example.com"  # as stored (normalised)
SECRETS = (ADDRESS, "Annabel", "Zygmunt")
APP_LABELS = ("wagtail_triggers", "wagtail_triggers_saleor", "wagtail_triggers_oscar")


def rows_mentioning(text: str) -> list[str]:
    """Every row of every app table and of Wagtail's audit log with ``text`` in a text column."""
    found = []
    targets = [m for m in apps.get_models() if m._meta.app_label in APP_LABELS] + [ModelLogEntry]
    for model in targets:
        for fld in model._meta.concrete_fields:
            if not isinstance(fld, (models.CharField, models.TextField, models.JSONField)):
                continue
            rows = model._default_manager.annotate(_as_text=Cast(fld.name, models.TextField()))
            for pk in rows.filter(_as_text__icontains=text).values_list("pk", flat=True):
                found.append(f"{model._meta.label}.{fld.name} #{pk}")
    return found


def totals() -> dict:
    since = timezone.now() - timedelta(days=3)
    whole = analytics.total(analytics.by_scenario(since, since + timedelta(days=6)))
    return {name: getattr(whole, name) for name in ("enrolled", "sent", "opened", "clicked", "converted", "revenue")}


@pytest.fixture
def annabel(enable, clock, smtp, superuser_for_log):
    """Annabel has everything a person can leave behind, and has unsubscribed."""
    enable("forgotten_cart")
    customer = {"first_name": "Annabel", "last_name": "Zygmunt"}
    record_event("cart_updated", email=EMAIL, data=cart_payload("c1"), customer=customer, occurred_at=clock.now)
    assert clock.tick(minutes=61).counts["sent"] == 1
    [message] = smtp.messages
    assert "Annabel" in message.get_body(preferencelist=("html",)).get_content()
    delivery = Delivery.objects.get()
    record_open(delivery, "Mozilla/5.0 (Annabel's phone)", clock.now + timedelta(minutes=5))
    record_click(
        delivery, "https://shop.example/cart/c1/", "Mozilla/5.0 (Annabel's phone)", clock.now + timedelta(minutes=6)
    )
    clock.advance(minutes=10)
    record_event("order_completed", email=EMAIL, data=order_payload("o1", "c1"), occurred_at=clock.now)
    clock.tick(minutes=1)
    contact = Contact.objects.get(email=ADDRESS)
    issue_stored_coupon(contact=contact, percent=10, expires_at=clock.now + timedelta(days=30))
    unsubscribe_contact(contact, delivery_id=delivery.pk)
    log(contact, "wagtail_triggers.unsubscribe", user=superuser_for_log)
    letter = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    log(letter, "wagtail_triggers.send_test", user=superuser_for_log, data={"to": [ADDRESS], "contact": ADDRESS})
    log(
        letter,
        "wagtail_triggers.send_test",
        user=superuser_for_log,
        data={"to": ["dpo@shop.example"], "contact_id": contact.pk},
    )
    # A cart recorded a moment ago, not processed yet.
    record_event("cart_updated", email=EMAIL, data=cart_payload("c2"), customer=customer, occurred_at=clock.now)
    assert Event.objects.filter(email=ADDRESS, processed_at__isnull=True).count() == 1
    assert Conversion.objects.filter(contact=contact).count() == 1
    return contact


@pytest.fixture
def superuser_for_log(django_user_model, db):
    return django_user_model.objects.create_superuser("dpo", "dpo@shop.example", "pw")


def test_everything_about_a_person_is_exported(annabel):
    document = json.loads(json.dumps(export_contact(EMAIL), default=str))
    assert document["format"] == "wagtail-triggers-contact-export/1"
    assert document["email"] == ADDRESS
    assert document["contact"]["first_name"] == "Annabel" and document["contact"]["unsubscribed_at"]
    assert [e["kind"] for e in document["events"]] == ["cart_updated", "order_completed", "cart_updated"]
    assert document["events"][2]["processed_at"] is None  # the unprocessed one too
    assert len(document["enrollments"]) == 1 and document["enrollments"][0]["snapshot"]
    assert [d["to_email"] for d in document["deliveries"]] == [ADDRESS]
    assert sorted(t["kind"] for t in document["tracking"]) == ["click", "open"]
    assert [c["order_id"] for c in document["conversions"]] == ["o1"]
    assert len(document["coupons"]) == 1 and document["coupons"][0]["percent"] == 10
    assert [s["reason"] for s in document["consent"]] == ["unsubscribed"]
    assert sorted(e["action"] for e in document["audit_log"]) == [
        "wagtail_triggers.send_test",
        "wagtail_triggers.send_test",
        "wagtail_triggers.unsubscribe",
    ]


def test_the_export_command_writes_json_and_refuses_bad_input(annabel, tmp_path):
    out = StringIO()
    call_command("triggers_export_contact", EMAIL, stdout=out)
    assert json.loads(out.getvalue())["contact"]["last_name"] == "Zygmunt"
    target = tmp_path / "annabel.json"
    call_command("triggers_export_contact", EMAIL, "--output", str(target), stderr=StringIO())
    assert json.loads(target.read_text())["email"] == ADDRESS
    with pytest.raises(CommandError, match="Nothing is stored"):
        call_command("triggers_export_contact", "nobody@example.com")
    with pytest.raises(CommandError, match="Not a valid address"):
        call_command("triggers_export_contact", "not-an-address")
    with pytest.raises(UnknownPerson):
        export_contact("nobody@example.com")


def test_forgetting_erases_the_person_everywhere_keeps_counts_and_never_mails_again(annabel, clock, smtp):
    for secret in SECRETS:
        assert rows_mentioning(secret), secret  # the search finds them before
    before = totals()
    assert before["sent"] == 1 and before["opened"] == 1 and before["clicked"] == 1 and before["converted"] == 1

    out = StringIO()
    call_command("triggers_forget_contact", EMAIL, "--no-input", stdout=out)
    assert "contact=1" in out.getvalue() and "events=3" in out.getvalue()

    for secret in SECRETS:
        assert rows_mentioning(secret) == [], secret
    assert totals() == before  # reports count the same letters, opens, clicks and orders
    assert not Contact.objects.filter(email=ADDRESS).exists()
    assert not Event.objects.filter(email=ADDRESS).exists()
    placeholder = Contact.objects.get(email=PLACEHOLDER_EMAIL)
    assert Delivery.objects.get().contact == placeholder
    assert TrackingEvent.objects.filter(user_agent="", url="").count() == 2
    assert IssuedCoupon.objects.get().contact is None
    assert ErasedAddress.objects.count() == 1 and is_erased(EMAIL)
    assert not ModelLogEntry.objects.filter(data__contact_id=annabel.pk).exists()  # test sends "as" her
    forget_entry = ModelLogEntry.objects.get(action="wagtail_triggers.forget")
    assert forget_entry.user is None and forget_entry.data["counts"]["deliveries"] == 1  # the CLI: no staff user

    # The person comes back with a new cart: nothing is stored, nobody is enrolled or mailed.
    smtp.messages.clear()
    enrollments = Enrollment.objects.count()
    ignored = record_event("cart_updated", email=EMAIL, data=cart_payload("c3"), occurred_at=clock.now)
    assert ignored.pk is None
    report = clock.tick(hours=2)
    clock.tick(days=2)
    assert report.counts["sent"] == 0 and smtp.messages == []
    assert Enrollment.objects.count() == enrollments
    assert not Contact.objects.filter(email=ADDRESS).exists()


def test_a_reimport_or_a_contact_recreated_by_hand_is_never_mailed(annabel, clock, smtp, enable):
    forget_contact(EMAIL)
    report = ImportReport()
    upsert_contacts([ContactRow(email=EMAIL, first_name="Annabel", last_seen_at=clock.now)], report)
    assert report.counts["skipped"] == 1 and not Contact.objects.filter(email=ADDRESS).exists()
    assert "annabel" not in " ".join(report.errors).lower()
    # Even a row written directly (another app, a shell) is suppressed before every letter.
    contact = Contact.objects.create(email=ADDRESS)
    assert contact.is_suppressed(None) and contact.is_suppressed(None, transactional=True)


def test_deleting_a_contact_keeps_them_unsubscribed(enable, clock, smtp):
    enable("forgotten_cart")
    record_event("cart_updated", email="boris@example.com", data=cart_payload("b1"), occurred_at=clock.now)
    clock.tick(minutes=61)
    boris = Contact.objects.get(email="boris@example.com")
    unsubscribe_contact(boris)
    boris.delete()  # routed through forgetting
    assert not Event.objects.filter(email="boris@example.com").exists()
    record_event("cart_updated", email="boris@example.com", data=cart_payload("b2"), occurred_at=clock.now)
    smtp.messages.clear()
    clock.tick(hours=2)
    assert smtp.messages == []
    # A bulk delete skips Contact.delete(), and still keeps the hash.
    record_event("cart_updated", email="carl@example.com", data=cart_payload("k1"), occurred_at=clock.now)
    clock.tick(minutes=1)
    Contact.objects.filter(email="carl@example.com").delete()
    assert is_erased("carl@example.com")
    assert record_event("customer_seen", email="carl@example.com", occurred_at=clock.now).pk is None


def test_the_hash_is_keyed_and_survives_a_key_rotation(settings, db):
    digest = address_digests(ADDRESS)[0]
    assert len(digest) == 64 and ADDRESS not in digest and digest == address_digests(EMAIL)[0]
    forget_contact(ADDRESS)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key", [settings.SECRET_KEY]
    assert address_digests(ADDRESS)[0] != digest and is_erased(ADDRESS)
    settings.SECRET_KEY_FALLBACKS = []
    assert not is_erased(ADDRESS)  # the old key really was part of it


def test_forget_refuses_bad_input_and_is_idempotent(db):
    with pytest.raises(CommandError, match="Not a valid address"):
        call_command("triggers_forget_contact", "no at sign", "--no-input")
    with pytest.raises(CommandError, match="Not a valid address"):
        call_command("triggers_forget_contact", PLACEHOLDER_EMAIL, "--no-input")
    call_command("triggers_forget_contact", "never-seen@example.com", "--no-input", stdout=StringIO())
    call_command("triggers_forget_contact", "never-seen@example.com", "--no-input", stdout=StringIO())
    assert ErasedAddress.objects.count() == 1


# -- retention --------------------------------------------------------------------------------


@pytest.fixture
def history(enable, clock, smtp):
    """Anna's chain ended with an order two years and more ago; Boris's is still running;
    Carl's cart is recorded but not processed yet."""
    enable("forgotten_cart")
    start = clock.now
    record_event("cart_updated", email="anna@example.com", data=cart_payload("a1"), occurred_at=clock.now)
    clock.tick(minutes=61)
    anna_letter = Delivery.objects.get(contact__email="anna@example.com")
    record_click(anna_letter, "https://shop.example/cart/a1/", "Mozilla/5.0", clock.now + timedelta(minutes=5))
    clock.advance(minutes=30)
    record_event("order_completed", email="anna@example.com", data=order_payload("o1", "a1"), occurred_at=clock.now)
    clock.tick(minutes=1)
    record_event("cart_updated", email="boris@example.com", data=cart_payload("b1"), occurred_at=clock.now)
    clock.tick(minutes=61)
    record_event("cart_updated", email="carl@example.com", data=cart_payload("k1"), occurred_at=clock.now)
    assert Enrollment.objects.get(contact__email="anna@example.com").state == Enrollment.State.GOAL
    assert Enrollment.objects.get(contact__email="boris@example.com").state == Enrollment.State.ACTIVE
    return start


def test_purge_respects_running_chains_and_keeps_report_counts(history, clock):
    since = history - timedelta(days=1)
    before = analytics.total(analytics.by_scenario(since, since + timedelta(days=3)))
    later = clock.now + timedelta(days=800)

    out = StringIO()
    call_command("triggers_purge", "--dry-run", "--now", later.isoformat(), stdout=out)
    assert out.getvalue().strip() == "would purge: events=2 deliveries=1 snapshots=1 tracking=1"
    assert Event.objects.count() == 4 and TrackingEvent.objects.count() == 1  # nothing changed

    out = StringIO()
    call_command("triggers_purge", "--now", later.isoformat(), stdout=out)
    assert out.getvalue().strip() == "purged: events=2 deliveries=1 snapshots=1 tracking=1"
    assert sorted(Event.objects.values_list("email", flat=True)) == ["boris@example.com", "carl@example.com"]
    assert Event.objects.get(email="carl@example.com").processed_at is None
    anna = Delivery.objects.get(contact__email="anna@example.com")
    assert anna.to_email == "" and anna.subject == "" and anna.clicked_at is not None
    assert Delivery.objects.get(contact__email="boris@example.com").to_email == "boris@example.com"
    assert Enrollment.objects.get(contact__email="anna@example.com").snapshot == {}
    assert Enrollment.objects.get(contact__email="boris@example.com").snapshot != {}
    after = analytics.total(analytics.by_scenario(since, since + timedelta(days=3)))
    assert (after.sent, after.clicked, after.converted) == (before.sent, before.clicked, before.converted) == (2, 1, 1)
    # A second run finds nothing more.
    assert purge(later) == {"events": 0, "deliveries": 0, "snapshots": 0, "tracking": 0}


def test_nothing_is_purged_before_its_time_and_none_keeps_forever(history, clock, settings):
    assert purge(clock.now + timedelta(days=300)) == {"events": 0, "deliveries": 0, "snapshots": 0, "tracking": 0}
    settings.TRIGGERS_RETAIN_EVENTS = None
    settings.TRIGGERS_RETAIN_DELIVERIES = None
    settings.TRIGGERS_RETAIN_TRACKING = 30  # days
    assert purge(clock.now + timedelta(days=800)) == {"events": 0, "deliveries": 0, "snapshots": 0, "tracking": 1}
    settings.TRIGGERS_RETAIN_EVENTS = "a year"
    with pytest.raises(CommandError, match="TRIGGERS_RETAIN_EVENTS must be"):
        call_command("triggers_purge")
    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("triggers_purge", "--now", "2025-13-45")


def test_the_daily_purge_is_scheduled_by_name(db):
    from django_q.models import Schedule

    from wagtail_triggers.tasks import register_schedule

    register_schedule()
    register_schedule()
    purge_schedule = Schedule.objects.get(name="wagtail_triggers.purge")
    assert purge_schedule.func == "wagtail_triggers.retention.purge_task"
    assert purge_schedule.schedule_type == Schedule.DAILY and purge_schedule.repeats == -1
