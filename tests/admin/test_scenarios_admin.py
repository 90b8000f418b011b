"""The scenarios screen: the listing at a glance, switching on and off, settings and the chain."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.conftest import cart_payload, order_payload
from wagtail_triggers.engine import tick
from wagtail_triggers.events import record_event
from wagtail_triggers.models import Contact, Delivery, Enrollment, Scenario, Step

INDEX = "wagtail_triggers_scenarios:index"


def _edit(scenario):
    return reverse("wagtail_triggers_scenarios:edit", args=[scenario.pk])


def _errors(response) -> list[str]:
    """The form's error messages, for assertion messages."""
    import re

    html = response.content.decode()
    found = re.findall(r'class="error-message"[^>]*>(.*?)</', html, re.S)
    found += re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", item)).strip() for item in found]


def _actions(scenario):
    return list(ModelLogEntry.objects.for_instance(scenario).values_list("action", flat=True))


def _enrol(scenario, email, *, started_at, state="active"):
    contact, _ = Contact.objects.get_or_create(email=email)
    return Enrollment.objects.create(
        scenario=scenario, contact=contact, subject_id=email, state=state, started_at=started_at
    )


# -- the listing -----------------------------------------------------------------------------


def test_listing_shows_every_scenario_with_its_description_chain_state_and_switch(admin_client, builtins):
    response = admin_client.get(reverse(INDEX))
    html = response.content.decode()
    assert response.status_code == 200
    for scenario in Scenario.objects.all():
        assert scenario.name.replace("'", "&#x27;") in html
        assert f'data-triggers-switch="{scenario.pk}"' in html
    assert "Reminds a customer (registered or a guest who gave an email)" in html
    assert "Reminder with the cart&#x27;s products" in html and "1 h" in html  # chain at a glance
    assert html.count('class="w-status">Off</span>') == Scenario.objects.count()


def test_listing_counts_the_last_seven_days_only(admin_client, scenario):
    scenario.set_enabled(True)
    now = timezone.now()
    recent = _enrol(scenario, "recent@example.com", started_at=now - timedelta(days=2))
    _enrol(scenario, "old@example.com", started_at=now - timedelta(days=30), state="completed")
    for status, sent_at in ((Delivery.Status.SENT, now - timedelta(days=1)), (Delivery.Status.SKIPPED, None)):
        Delivery.objects.create(
            enrollment=recent,
            position=1 if sent_at else 2,
            scenario=scenario,
            contact=recent.contact,
            status=status,
            due_at=now,
            not_before=now,
            sent_at=sent_at,
        )
    html = admin_client.get(reverse(INDEX)).content.decode()
    row = html[html.index(f'data-triggers-switch="{scenario.pk}"') - 3000 :]
    assert "<strong>1</strong> enrolled" in row and "<strong>1</strong> letter sent" in row
    assert "1 chain in progress" in html


def test_a_disabled_step_is_shown_off_in_the_chain(admin_client, scenario):
    scenario.steps.filter(position=2).update(enabled=False)
    html = admin_client.get(reverse(INDEX)).content.decode()
    assert "w-triggers-chain__step--off" in html


# -- switching on and off ----------------------------------------------------------------------


def test_the_switch_turns_a_scenario_on_from_now_and_logs_it(admin_client, scenario):
    before = timezone.now()
    response = admin_client.post(
        reverse("wagtail_triggers_scenarios:enable", args=[scenario.pk]), {"next": reverse(INDEX)}
    )
    assert response.status_code == 302 and response.url == reverse(INDEX)
    scenario.refresh_from_db()
    assert scenario.enabled and scenario.enabled_at >= before
    assert _actions(scenario) == ["wagtail_triggers.enable"]
    history = admin_client.get(reverse("wagtail_triggers_scenarios:history", args=[scenario.pk]))
    assert "Switched on" in history.content.decode()


def test_switching_on_never_mails_people_for_earlier_events(admin_client, scenario, mailoutbox):
    earlier = timezone.now() - timedelta(hours=3)
    record_event("cart_updated", email="anna@example.com", data=cart_payload("c1"), occurred_at=earlier)
    tick(earlier + timedelta(minutes=1))  # processed while the scenario was off
    record_event(
        "cart_updated", email="boris@example.com", data=cart_payload("c2"), occurred_at=earlier + timedelta(minutes=5)
    )  # recorded but not processed yet
    admin_client.post(reverse("wagtail_triggers_scenarios:enable", args=[scenario.pk]))
    tick(timezone.now() + timedelta(days=5))
    assert not Enrollment.objects.exists() and not mailoutbox


def test_switching_on_with_past_events_starts_chains_for_them_only_when_asked(admin_client, scenario, mailoutbox):
    now = timezone.now()
    record_event(
        "cart_updated", email="anna@example.com", data=cart_payload("c1"), occurred_at=now - timedelta(hours=3)
    )
    record_event("cart_updated", email="old@example.com", data=cart_payload("c9"), occurred_at=now - timedelta(days=3))
    record_event(
        "cart_updated", email="boris@example.com", data=cart_payload("c2"), occurred_at=now - timedelta(hours=2)
    )
    record_event(
        "order_completed",
        email="boris@example.com",
        data=order_payload("o2", cart_id="c2"),
        occurred_at=now - timedelta(hours=1),
    )
    tick(now - timedelta(minutes=30))
    url = reverse("wagtail_triggers_scenarios:enable", args=[scenario.pk])
    page = admin_client.get(url)
    assert "Also for the last 24 hours" in page.content.decode()
    response = admin_client.post(url, {"confirm": "1", "since": "24"})
    assert response.status_code == 302
    active = Enrollment.objects.filter(scenario=scenario, state=Enrollment.State.ACTIVE)
    assert [e.contact.email for e in active] == ["anna@example.com"]  # Boris ordered; the old cart is older
    assert Enrollment.objects.get(contact__email="boris@example.com").state == Enrollment.State.GOAL
    entry = ModelLogEntry.objects.for_instance(scenario).get()
    assert entry.action == "wagtail_triggers.enable" and entry.data["started"] == 1
    tick(timezone.now())
    assert [m.to for m in mailoutbox] == [["anna@example.com"]]


def test_switching_on_again_never_repeats_a_chain(admin_client, scenario, mailoutbox):
    now = timezone.now()
    scenario.set_enabled(True, now=now - timedelta(days=2))
    record_event(
        "cart_updated", email="anna@example.com", data=cart_payload("c1"), occurred_at=now - timedelta(hours=5)
    )
    tick(now - timedelta(hours=4, minutes=59))
    tick(now - timedelta(hours=3))
    assert len(mailoutbox) == 1
    admin_client.post(reverse("wagtail_triggers_scenarios:disable", args=[scenario.pk]), {"confirm": "1"})
    admin_client.post(reverse("wagtail_triggers_scenarios:enable", args=[scenario.pk]), {"confirm": "1", "since": "24"})
    assert not Enrollment.objects.filter(state=Enrollment.State.ACTIVE).exists()


def test_switching_off_with_chains_in_progress_asks_first_then_stops_them(admin_client, scenario):
    scenario.set_enabled(True)
    enrollment = _enrol(scenario, "anna@example.com", started_at=timezone.now())
    queued = Delivery.objects.create(
        enrollment=enrollment,
        position=1,
        scenario=scenario,
        contact=enrollment.contact,
        due_at=timezone.now(),
        not_before=timezone.now(),
    )
    url = reverse("wagtail_triggers_scenarios:disable", args=[scenario.pk])
    response = admin_client.post(url, {"next": reverse(INDEX)})
    assert response.status_code == 302 and response.url.startswith(url)
    scenario.refresh_from_db()
    assert scenario.enabled  # not yet: the owner is asked first
    assert "1 customer is in this chain now" in admin_client.get(response.url).content.decode()
    admin_client.post(url, {"confirm": "1"})
    scenario.refresh_from_db()
    enrollment.refresh_from_db()
    queued.refresh_from_db()
    assert not scenario.enabled
    assert enrollment.state == Enrollment.State.STOPPED
    assert queued.status == Delivery.Status.SKIPPED
    entry = ModelLogEntry.objects.for_instance(scenario).get(action="wagtail_triggers.disable")
    assert entry.data == {"stopped": 1}


def test_switching_off_without_chains_in_progress_happens_at_once(admin_client, scenario):
    scenario.set_enabled(True)
    admin_client.post(reverse("wagtail_triggers_scenarios:disable", args=[scenario.pk]))
    scenario.refresh_from_db()
    assert not scenario.enabled


# -- settings and the chain ------------------------------------------------------------------


def _settings_form(scenario, **changes):
    steps = list(scenario.steps.order_by("position"))
    data = {
        "name": scenario.name,
        "description": scenario.description,
        "previous_orders": "any",
        "min_total": "",
        "send_from": "",
        "send_until": "",
        "from_name": "",
        "from_email": "",
        "test_addresses": "",
        "track_opens": "on",
        "track_clicks": "on",
        "steps-TOTAL_FORMS": str(len(steps) + 1),
        "steps-INITIAL_FORMS": str(len(steps)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, step in enumerate(steps):
        amount, unit = (int(step.delay.total_seconds() // 3600), "hours")
        data.update(
            {
                f"steps-{index}-id": str(step.pk),
                f"steps-{index}-scenario": str(scenario.pk),
                f"steps-{index}-enabled": "on",
                f"steps-{index}-name": step.name,
                f"steps-{index}-template_key": step.template_key,
                f"steps-{index}-delay_0": str(amount),
                f"steps-{index}-delay_1": unit,
                f"steps-{index}-coupon_percent": str(step.coupon_percent or ""),
                f"steps-{index}-coupon_valid_days": str(step.coupon_valid_days),
            }
        )
    new = len(steps)  # the empty row for a new letter, as the browser posts it
    data.update(
        {
            f"steps-{new}-scenario": str(scenario.pk),
            f"steps-{new}-enabled": "on",
            f"steps-{new}-name": "",
            f"steps-{new}-template_key": "",
            f"steps-{new}-delay_0": "1",
            f"steps-{new}-delay_1": "days",
            f"steps-{new}-coupon_percent": "",
            f"steps-{new}-coupon_valid_days": "14",
        }
    )
    return {**data, **changes}


def test_settings_in_plain_terms_are_saved_into_the_scenario(admin_client, scenario):
    form = _settings_form(
        scenario,
        previous_orders="without",
        min_total="25.50",
        exclude_staff="on",
        send_from="9",
        send_until="20",
        from_name="Anna from the shop",
        from_email="anna@shop.example",
        test_mode="on",
        test_addresses="owner@shop.example\n  qa@shop.example ",
    )
    response = admin_client.post(_edit(scenario), form)
    assert response.status_code == 302, _errors(response)
    scenario.refresh_from_db()
    assert scenario.previous_orders == Scenario.PreviousOrders.WITHOUT
    assert scenario.min_total == Decimal("25.50")
    assert scenario.exclude_staff is True
    assert scenario.send_window == (9, 20)
    assert (scenario.from_name, scenario.from_email) == ("Anna from the shop", "anna@shop.example")
    assert scenario.test_mode and scenario.test_address_list() == ["owner@shop.example", "qa@shop.example"]
    assert "wagtail.edit" in _actions(scenario)


def test_a_kinds_own_options_get_fields_validated_from_their_declaration(admin_client, scenario):
    page = admin_client.get(_edit(scenario)).content.decode()
    assert page.count('name="hold_days"') == 1 and 'name="first_order_only"' not in page
    response = admin_client.post(_edit(scenario), _settings_form(scenario, hold_days="0"))
    assert response.status_code == 200 and "greater than or equal to 1" in response.content.decode()
    response = admin_client.post(_edit(scenario), _settings_form(scenario, hold_days="3"))
    assert response.status_code == 302, _errors(response)
    assert Scenario.objects.get(pk=scenario.pk).option("hold_days") == 3


def test_the_minimum_cart_value_keeps_small_carts_out(admin_client, scenario):
    admin_client.post(_edit(scenario), _settings_form(scenario, min_total="100"))
    scenario.set_enabled(True)
    now = timezone.now() + timedelta(seconds=1)
    record_event("cart_updated", email="small@example.com", data=cart_payload("s", lines=1), occurred_at=now)
    record_event("cart_updated", email="big@example.com", data=cart_payload("b", lines=3), occurred_at=now)
    tick(now + timedelta(seconds=1))
    assert [e.contact.email for e in Enrollment.objects.all()] == ["big@example.com"]


def test_the_chain_is_edited_in_place_delays_on_off_add_and_remove(admin_client, scenario):
    steps = list(scenario.steps.order_by("position"))
    form = _settings_form(scenario)
    form.update(
        {
            "steps-0-delay_0": "30",
            "steps-0-delay_1": "minutes",
            "steps-1-enabled": "",
            "steps-2-DELETE": "on",
            "steps-3-enabled": "on",
            "steps-3-name": "One more nudge",
            "steps-3-template_key": "forgotten_cart/reserved",
            "steps-3-delay_0": "2",
            "steps-3-delay_1": "days",
            "steps-3-coupon_percent": "",
            "steps-3-coupon_valid_days": "14",
        }
    )
    del form["steps-1-enabled"]
    response = admin_client.post(_edit(scenario), form)
    assert response.status_code == 302, _errors(response)
    chain = {s.position: s for s in Step.objects.filter(scenario=scenario)}
    assert chain[1].delay == timedelta(minutes=30)
    assert chain[2].enabled is False
    assert steps[2].position not in chain or chain[steps[2].position].pk != steps[2].pk
    assert len(chain) == 3
    new = chain[max(chain)]  # added at the end of the chain
    assert new.name == "One more nudge" and new.delay == timedelta(days=2)


def test_broken_settings_are_refused_with_the_reason(admin_client, scenario):
    form = _settings_form(scenario, send_from="9", test_mode="on", test_addresses="not-an-address")
    response = admin_client.post(_edit(scenario), form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose both hours (different ones), or neither." in html
    assert "not-an-address is not an email address." in html
    scenario.refresh_from_db()
    assert not scenario.test_mode


def test_a_custom_scenario_gets_its_kind_s_chain_and_starts_off(admin_client, builtins):
    response = admin_client.post(
        reverse("wagtail_triggers_scenarios:add"),
        {"kind": "forgotten_cart", "name": "Forgotten cart (big carts)", "description": "Over 200 EUR"},
    )
    scenario = Scenario.objects.get(name="Forgotten cart (big carts)")
    assert response.status_code == 302 and response.url == _edit(scenario)
    assert scenario.kind == "forgotten_cart" and not scenario.enabled
    assert scenario.slug == "forgotten-cart-big-carts"
    assert list(scenario.steps.values_list("template_key", flat=True)) == [
        "forgotten_cart/reminder",
        "forgotten_cart/reserved",
        "forgotten_cart/discount",
    ]
    assert "Forgotten cart (big carts)" in admin_client.get(reverse(INDEX)).content.decode()


def test_scenarios_cannot_be_deleted_from_the_admin(admin_client, scenario):
    assert admin_client.get(f"/admin/trigger-emails/scenarios/delete/{scenario.pk}/").status_code == 404


# -- counts read in the singular and the plural ---------------------------------------------


def test_switching_off_says_how_many_chains_stopped_in_the_singular_and_the_plural(admin_client, scenario):
    url = reverse("wagtail_triggers_scenarios:disable", args=[scenario.pk])
    expected = {
        1: ("'%s' is off. 1 chain in progress was stopped.", "Switched off; 1 chain in progress stopped"),
        2: ("'%s' is off. 2 chains in progress were stopped.", "Switched off; 2 chains in progress stopped"),
    }
    for count, (message, log_message) in expected.items():
        scenario.set_enabled(True)
        for n in range(count):
            _enrol(scenario, f"p{count}-{n}@example.com", started_at=timezone.now())
        response = admin_client.post(url, {"confirm": "1"}, follow=True)
        html = response.content.decode().replace("&#x27;", "'")
        assert message % scenario.name in html
        history = admin_client.get(reverse("wagtail_triggers_scenarios:history", args=[scenario.pk]))
        assert log_message in history.content.decode()


def test_the_listing_counts_letters_in_the_singular_and_the_plural(admin_client, scenario):
    scenario.set_enabled(True)
    now = timezone.now()
    enrollment = _enrol(scenario, "anna@example.com", started_at=now)
    for position in (1, 2):
        Delivery.objects.create(
            enrollment=enrollment,
            position=position,
            scenario=scenario,
            contact=enrollment.contact,
            status=Delivery.Status.SENT,
            due_at=now,
            not_before=now,
            sent_at=now,
        )
    html = admin_client.get(reverse(INDEX)).content.decode()
    assert "<strong>2</strong> letters sent" in html and "<strong>1</strong> enrolled" in html
