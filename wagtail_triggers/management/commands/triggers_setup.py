from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wagtail_triggers.provisioning import setup_builtins


class Command(BaseCommand):
    help = (
        "Create the built-in scenarios (disabled) and their letters, and bring letters nobody edited "
        "to the shipped version. Safe to run again."
    )

    def handle(self, *args, **options):
        result = setup_builtins()
        self.stdout.write(
            self.style.SUCCESS(
                f"Scenarios created: {result.scenarios_created}, steps: {result.steps_created}, "
                f"letters: {result.templates_created}."
            )
        )
        self.stdout.write(
            _("Letters updated to the new shipped version: %(refreshed)d; edited letters kept: %(customised)d.")
            % {"refreshed": result.templates_refreshed, "customised": len(result.templates_customised)}
        )
        kept = (
            (
                result.templates_customised,
                _(
                    "Edited, so not updated (compare with the shipped letter, or use “Reset to the shipped "
                    "default” in the admin): %(letters)s"
                ),
            ),
            (
                result.templates_in_progress,
                _(
                    "Not updated, an editor has a draft of them, has unpublished or locked them (publish, or "
                    "use “Reset to the shipped default” in the admin): %(letters)s"
                ),
            ),
        )
        for letters, message in kept:
            if letters:
                self.stdout.write(self.style.WARNING(message % {"letters": ", ".join(letters)}))
        if result.missing:
            self.stdout.write(
                self.style.WARNING("No shipped letter (write it in the admin): " + ", ".join(result.missing))
            )
