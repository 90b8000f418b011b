"""Names and descriptions that state a number say the chain's current one: change a coupon to
10 % and the listing, the edit view and the command line say 10 %, not the shipped 5 %."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from wagtail_triggers.labels import scenario_description, step_name
from wagtail_triggers.models import Scenario


def _cart_chain() -> Scenario:
    scenario = Scenario.objects.get(kind="forgotten_cart")
    scenario.steps.filter(position=3).update(coupon_percent=10)
    return scenario


def test_a_changed_coupon_renames_its_step_and_description_in_the_listing(admin_client):
    _cart_chain()
    html = admin_client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert "A hidden 10 % discount" in html
    assert "A hidden 5 % discount" not in html and "A hidden 10 % discount · 10 %" not in html
    assert "then with a personal 10 % coupon." in html and "personal 5 % coupon" not in html


def test_the_edit_view_describes_the_chain_with_its_own_numbers(admin_client):
    scenario = _cart_chain()
    html = admin_client.get(reverse("wagtail_triggers_scenarios:edit", args=[scenario.pk])).content.decode()
    assert "then with a personal 10 % coupon." in html and "personal 5 % coupon" not in html


def test_days_in_descriptions_follow_the_delays(builtins):
    follow_up = Scenario.objects.get(kind="order_followup")
    follow_up.steps.filter(template_key="order_followup/review").update(delay=timedelta(days=5))
    follow_up.steps.filter(template_key="order_followup/next_order").update(coupon_percent=7)
    with translation.override("en"):
        text = scenario_description(follow_up)
    assert "a review request on day 7, products picked for the customer on day 11" in text
    assert "a 7 % coupon for the next order on day 18" in text
    wake_up = Scenario.objects.get(kind="wakeup_180")
    wake_up.steps.filter(position=3).update(coupon_percent=30)
    with translation.override("en"):
        assert "12 % off on day 4 and 30 % off on day 14" in scenario_description(wake_up)


def test_an_editors_own_names_and_descriptions_are_left_as_written(admin_client):
    scenario = _cart_chain()
    scenario.steps.filter(position=3).update(name="Our secret offer")
    Scenario.objects.filter(pk=scenario.pk).update(description="Carts left behind get three letters.")
    scenario.refresh_from_db()
    html = admin_client.get(reverse("wagtail_triggers_scenarios:index")).content.decode()
    assert "Our secret offer · 10 %" in html
    assert "Carts left behind get three letters." in html
    assert step_name(scenario.steps.get(position=3)) == "Our secret offer"


def test_a_name_saved_with_another_number_still_follows_the_coupon(builtins):
    scenario = _cart_chain()
    step = scenario.steps.get(position=3)
    step.name = "A hidden 10 % discount"  # e.g. saved from the chain editor at 10 %
    step.coupon_percent = 15
    step.save()
    with translation.override("en"):
        assert step_name(step) == "A hidden 15 % discount"


def test_the_command_line_listing_says_the_current_coupon(builtins):
    _cart_chain()
    out = StringIO()
    call_command("triggers_scenarios", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if "forgotten_cart" in line)
    assert "A hidden 10 % discount (+1d)" in line
