"""Migration 0013 moves the common settings out of ``Scenario.settings`` into fields, and back."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from wagtail_triggers.models import Scenario

migration = importlib.import_module("wagtail_triggers.migrations.0013_scenario_settings_fields")

pytestmark = pytest.mark.django_db

OLD_SETTINGS = {
    "track_opens": False,
    "track_clicks": True,
    "send_window": [9, 20],
    "transactional": True,
    "exclude_staff": True,
    "previous_orders": "without",
    "min_total": "25.50",
    "hold_days": 3,
}


def _scenario(**fields) -> Scenario:
    return Scenario.objects.create(kind="cancelled_order", slug="cancelled", name="Cancelled", **fields)


def test_the_settings_become_fields_and_only_the_kinds_own_options_stay_in_the_json():
    scenario = _scenario(settings=OLD_SETTINGS)
    migration.settings_to_fields(apps, None)
    scenario.refresh_from_db()
    assert scenario.settings == {"hold_days": 3}
    assert (scenario.track_opens, scenario.track_clicks) == (False, True)
    assert scenario.send_window == (9, 20)
    assert scenario.transactional and scenario.exclude_staff
    assert scenario.previous_orders == "without"
    assert scenario.min_total == Decimal("25.50")


def test_missing_settings_take_the_defaults_they_had():
    scenario = _scenario(settings={}, track_opens=False, exclude_staff=True, min_total=Decimal(5))
    migration.settings_to_fields(apps, None)
    scenario.refresh_from_db()
    assert scenario.track_opens and scenario.track_clicks
    assert scenario.send_window is None
    assert not scenario.exclude_staff and not scenario.transactional
    assert (scenario.previous_orders, scenario.min_total) == ("any", None)


def test_reversed_the_fields_go_back_into_the_json():
    scenario = _scenario(settings={"hold_days": 3})
    Scenario.objects.filter(pk=scenario.pk).update(
        track_opens=False,
        send_from=9,
        send_until=20,
        transactional=True,
        exclude_staff=True,
        previous_orders="without",
        min_total=Decimal("25.50"),
    )
    migration.fields_to_settings(apps, None)
    scenario.refresh_from_db()
    assert scenario.settings == OLD_SETTINGS


@pytest.mark.django_db
def test_new_scenarios_skip_staff_by_default():
    """An admin browsing the shop is no customer: the built-ins are created with exclude_staff on."""
    from wagtail_triggers.provisioning import setup_builtins

    setup_builtins()
    assert Scenario.objects.exists() and not Scenario.objects.filter(exclude_staff=False).exists()
