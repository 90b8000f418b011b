import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from wagtail_triggers import scenario_switch
from wagtail_triggers.labels import step_name
from wagtail_triggers.models import Scenario

# The settings every kind understands, listed with the kind's own options in the JSON output.
SETTINGS_FIELDS = (
    "previous_orders",
    "min_total",
    "exclude_staff",
    "send_from",
    "send_until",
    "transactional",
    "track_opens",
    "track_clicks",
)


class Command(BaseCommand):
    help = "List scenarios; switch them on or off by kind or slug."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enable",
            action="append",
            default=[],
            metavar="KIND",
            help="Enable a scenario (kind or slug).",
        )
        parser.add_argument(
            "--disable",
            action="append",
            default=[],
            metavar="KIND",
            help="Disable a scenario (kind or slug).",
        )
        parser.add_argument("--json", action="store_true", help="Print scenarios with their steps as JSON.")

    def _find(self, name: str) -> list[Scenario]:
        found = list(Scenario.objects.filter(kind=name)) or list(Scenario.objects.filter(slug=name))
        if not found:
            known = ", ".join(Scenario.objects.values_list("kind", flat=True))
            raise CommandError(f"No scenario {name!r}. Known: {known or 'none (run triggers_setup)'}")
        return found

    def handle(self, *args, **options):
        for name in options["enable"]:
            for scenario in self._find(name):
                scenario_switch.enable(scenario)
                self.stdout.write(f"Enabled {scenario.kind}")
        for name in options["disable"]:
            for scenario in self._find(name):
                scenario_switch.disable(scenario)
                self.stdout.write(f"Disabled {scenario.kind}")
        scenarios = Scenario.objects.prefetch_related("steps")
        if options["json"]:
            self.stdout.write(json.dumps([self._as_dict(s) for s in scenarios], indent=2, ensure_ascii=False))
            return
        for scenario in scenarios:
            state = self.style.SUCCESS("on ") if scenario.enabled else "off"
            steps = [step for step in scenario.steps.all() if step.enabled]
            chain = " → ".join(f"{step_name(step)} (+{_human(step.delay.total_seconds())})" for step in steps)
            self.stdout.write(f"[{state}] {scenario.kind:<16} {scenario.name}: {chain}")

    @staticmethod
    def _as_dict(scenario: Scenario) -> dict:
        return {
            "kind": scenario.kind,
            "slug": scenario.slug,
            "name": scenario.name,
            "enabled": scenario.enabled,
            "enabled_at": scenario.enabled_at.isoformat() if scenario.enabled_at else None,
            "test_mode": scenario.test_mode,
            "settings": {**{name: _plain(getattr(scenario, name)) for name in SETTINGS_FIELDS}, **scenario.settings},
            "steps": [
                {
                    "position": step.position,
                    "name": step.name,
                    "letter": step.template_key,
                    "delay_seconds": int(step.delay.total_seconds()),
                    "enabled": step.enabled,
                    "coupon_percent": step.coupon_percent,
                }
                for step in scenario.steps.all()
            ],
        }


def _plain(value: object) -> object:
    """A setting as JSON has it: the minimum value as a string, as the settings once stored it."""
    return str(value) if isinstance(value, Decimal) else value


def _human(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 86400 == 0 and seconds:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
