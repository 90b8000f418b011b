"""The settings every scenario kind understands become fields of ``Scenario``.

They were keys of ``Scenario.settings`` (JSON), falling back to the kind's defaults and then to
the common defaults; the data step moves each row's effective value into the field (and back,
reversed). The kind's own options (``hold_days``, ``first_order_only``) stay in the JSON.
"""

from decimal import Decimal, InvalidOperation

import django.core.validators
from django.db import migrations, models

HOURS = [
    (None, "any time"),
    (0, "00:00"),
    (1, "01:00"),
    (2, "02:00"),
    (3, "03:00"),
    (4, "04:00"),
    (5, "05:00"),
    (6, "06:00"),
    (7, "07:00"),
    (8, "08:00"),
    (9, "09:00"),
    (10, "10:00"),
    (11, "11:00"),
    (12, "12:00"),
    (13, "13:00"),
    (14, "14:00"),
    (15, "15:00"),
    (16, "16:00"),
    (17, "17:00"),
    (18, "18:00"),
    (19, "19:00"),
    (20, "20:00"),
    (21, "21:00"),
    (22, "22:00"),
    (23, "23:00"),
]

# The common defaults as they were (``scenarios.base.COMMON_SETTINGS``); every built-in kind's
# defaults agreed with them. A kind of another app may have had its own: it is asked, if registered.
OLD_DEFAULTS = {
    "track_opens": True,
    "track_clicks": True,
    "send_window": None,
    "transactional": False,
    "exclude_staff": False,
    "previous_orders": "any",
    "min_total": None,
}
FIELDS = [
    "track_opens",
    "track_clicks",
    "send_from",
    "send_until",
    "transactional",
    "exclude_staff",
    "previous_orders",
    "min_total",
]


def _kind_defaults(kind: str) -> dict:
    from wagtail_triggers.scenarios.registry import registry

    try:
        own = registry.get(kind).default_settings
    except LookupError:
        own = {}
    return {**OLD_DEFAULTS, **{key: value for key, value in own.items() if key in OLD_DEFAULTS}}


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def settings_to_fields(apps, schema_editor):
    Scenario = apps.get_model("wagtail_triggers", "Scenario")
    for scenario in Scenario.objects.all():
        settings = dict(scenario.settings or {})
        values = _kind_defaults(scenario.kind)
        values.update({key: settings.pop(key) for key in OLD_DEFAULTS if key in settings})
        window = values["send_window"]
        if isinstance(window, (list, tuple)) and len(window) == 2 and None not in window:
            scenario.send_from, scenario.send_until = int(window[0]), int(window[1])
        else:
            scenario.send_from = scenario.send_until = None
        scenario.track_opens = bool(values["track_opens"])
        scenario.track_clicks = bool(values["track_clicks"])
        scenario.transactional = bool(values["transactional"])
        scenario.exclude_staff = bool(values["exclude_staff"])
        scenario.previous_orders = values["previous_orders"] or "any"
        scenario.min_total = _decimal(values["min_total"])
        scenario.settings = settings
        scenario.save(update_fields=[*FIELDS, "settings"])


def fields_to_settings(apps, schema_editor):
    Scenario = apps.get_model("wagtail_triggers", "Scenario")
    for scenario in Scenario.objects.all():
        window = None if scenario.send_from is None else [scenario.send_from, scenario.send_until]
        scenario.settings = {
            **(scenario.settings or {}),
            "track_opens": scenario.track_opens,
            "track_clicks": scenario.track_clicks,
            "send_window": window,
            "transactional": scenario.transactional,
            "exclude_staff": scenario.exclude_staff,
            "previous_orders": scenario.previous_orders,
            "min_total": None if scenario.min_total is None else str(scenario.min_total),
        }
        scenario.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [("wagtail_triggers", "0012_typed_states")]

    operations = [
        migrations.AddField(
            model_name="scenario",
            name="exclude_staff",
            field=models.BooleanField(
                default=False,
                help_text="Skip customers who are staff users of this site.",
                verbose_name="Don't send to staff",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="min_total",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Start only when the cart or order is worth at least this much. Empty: any value.",
                max_digits=12,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                verbose_name="Minimum value",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="previous_orders",
            field=models.CharField(
                choices=[
                    ("any", "Everyone"),
                    ("without", "Only customers who have never ordered"),
                    ("with", "Only customers who have ordered before"),
                ],
                default="any",
                max_length=10,
                verbose_name="Customers",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="send_from",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=HOURS,
                help_text="In the customer's time zone; letters due at night wait until the morning.",
                null=True,
                verbose_name="Send from",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="send_until",
            field=models.PositiveSmallIntegerField(blank=True, choices=HOURS, null=True, verbose_name="Send until"),
        ),
        migrations.AddField(
            model_name="scenario",
            name="track_clicks",
            field=models.BooleanField(
                default=True,
                help_text="Links go through this site first, so clicks can be counted.",
                verbose_name="Count clicks",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="track_opens",
            field=models.BooleanField(
                default=True,
                help_text="A tiny image in each letter tells when it was opened.",
                verbose_name="Count opens",
            ),
        ),
        migrations.AddField(
            model_name="scenario",
            name="transactional",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Also send to customers who unsubscribed from marketing letters; they can still "
                    "unsubscribe from this chain alone."
                ),
                verbose_name="Transactional",
            ),
        ),
        migrations.RunPython(settings_to_fields, fields_to_settings),
    ]
