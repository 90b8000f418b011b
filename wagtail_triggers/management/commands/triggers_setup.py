from django.core.management.base import BaseCommand

from wagtail_triggers.provisioning import setup_builtins


class Command(BaseCommand):
    help = "Create the built-in scenarios (disabled) and their letters. Safe to run again."

    def handle(self, *args, **options):
        result = setup_builtins()
        self.stdout.write(
            self.style.SUCCESS(
                f"Scenarios created: {result.scenarios_created}, steps: {result.steps_created}, "
                f"letters: {result.templates_created}."
            )
        )
        if result.missing:
            self.stdout.write(
                self.style.WARNING("No shipped letter (write it in the admin): " + ", ".join(result.missing))
            )
