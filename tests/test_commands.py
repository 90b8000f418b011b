"""The command line: setup, scenarios, events and ticks with time travel."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from wagtail_triggers.models import EmailTemplate, Event, Scenario, Step

from .conftest import cart_payload


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_setup_is_idempotent_and_ships_everything_disabled():
    first = run("triggers_setup")
    assert "Scenarios created: 7, steps: 24, letters: 48" in first
    assert "Scenarios created: 0, steps: 0, letters: 0" in run("triggers_setup")
    assert Scenario.objects.count() == 7 and not Scenario.objects.filter(enabled=True).exists()
    assert Step.objects.count() == 24
    assert EmailTemplate.objects.filter(live=True).count() == 48
    assert all(t.latest_revision_id for t in EmailTemplate.objects.all())


def test_setup_keeps_an_editors_changes(builtins):  # what triggers_setup made (tested above)
    template = EmailTemplate.objects.get(key="forgotten_cart/reminder", language="en")
    template.subject = "Edited"
    template.save()
    run("triggers_setup")
    template.refresh_from_db()
    assert template.subject == "Edited"


def test_scenarios_json_lists_steps_with_delays_in_seconds(builtins):  # what triggers_setup made (tested above)
    data = {s["kind"]: s for s in json.loads(run("triggers_scenarios", "--json"))}
    assert set(data) == {
        "forgotten_cart",
        "cancelled_order",
        "order_followup",
        "hooliganism",
        "wakeup_90",
        "wakeup_180",
        "wakeup_360",
    }
    assert [s["delay_seconds"] for s in data["forgotten_cart"]["steps"]] == [3600, 86400, 86400]
    assert [s["coupon_percent"] for s in data["wakeup_360"]["steps"]] == [None, 20, 25]
    assert [s["coupon_percent"] for s in data["hooliganism"]["steps"]] == [None, None, 11, None]
    assert len(data["order_followup"]["steps"]) == 5


def test_enable_and_disable_by_kind(builtins):  # what triggers_setup made (tested above)
    assert "Enabled forgotten_cart" in run("triggers_scenarios", "--enable", "forgotten_cart")
    assert Scenario.objects.get(kind="forgotten_cart").enabled
    listing = run("triggers_scenarios")
    assert "forgotten_cart" in listing and "(+1h)" in listing
    run("triggers_scenarios", "--disable", "forgotten_cart")
    assert not Scenario.objects.get(kind="forgotten_cart").enabled
    with pytest.raises(CommandError, match="No scenario"):
        run("triggers_scenarios", "--enable", "nope")


def test_event_and_tick_commands_drive_a_chain_by_time_travel(builtins):  # what triggers_setup made (tested above)
    run("triggers_scenarios", "--enable", "forgotten_cart")
    record = (
        "triggers_event", "cart_updated", "--email", "anna@example.com", "--data", json.dumps(cart_payload()),
        "--at", "2030-01-01T10:00:00Z", "--key", "cart-1-v1",
    )  # fmt: skip
    assert "Recorded event" in run(*record)
    run(*record)  # the same key again: not stored twice
    assert Event.objects.count() == 1
    first = run("triggers_tick", "--now", "2030-01-01T10:30:00Z")
    assert "events=1 enrolled=1" in first and "sent=0" in first
    second = run("triggers_tick", "--now", "2030-01-01T11:01:00Z")
    assert "sent=1" in second
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_event_command_refuses_bad_input_clearly():
    with pytest.raises(CommandError, match=r"Event refused: .*id is required"):
        run("triggers_event", "cart_updated", "--email", "a@example.com", "--data", '{"currency": "EUR"}')
    with pytest.raises(CommandError, match="not valid JSON"):
        run("triggers_event", "cart_updated", "--email", "a@example.com", "--data", "{")
    with pytest.raises(CommandError, match="ISO-8601"):
        run("triggers_tick", "--now", "yesterday")


@pytest.mark.django_db
def test_the_tick_schedule_is_registered_once_by_name():
    from django_q.models import Schedule

    from wagtail_triggers.tasks import register_schedule

    register_schedule()
    register_schedule()
    schedule = Schedule.objects.get(name="wagtail_triggers.tick")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "wagtail_triggers.tasks.tick",
        Schedule.MINUTES,
        1,
        -1,
    )


@pytest.mark.django_db
def test_the_queue_task_processes_events(settings):
    from wagtail_triggers.events import record_event
    from wagtail_triggers.tasks import process_pending_events

    record_event("customer_seen", email="a@example.com")
    assert process_pending_events().startswith("events=1 ")  # the run's report, as the tick's
    assert Event.objects.get().processed_at is not None


def test_letters_are_made_only_in_languages_with_shipped_letters(settings):
    from django.conf import global_settings

    from wagtail_triggers import conf

    settings.LANGUAGES = global_settings.LANGUAGES  # Django's 90-odd defaults
    assert conf.supported_languages() == ["en", "ru"]
    settings.TRIGGERS_LANGUAGES = ["de-at"]
    assert conf.supported_languages() == ["de"]
