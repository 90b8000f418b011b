"""``triggers_export_contact EMAIL``: everything stored about one person, as JSON (GDPR art. 15)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wagtail_triggers.privacy import UnknownPerson, export_contact_json


class Command(BaseCommand):
    help = "Print (or write to --output) everything stored about one email address, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address.")
        parser.add_argument("--output", "-o", help="Write the JSON to this file instead of standard output.")

    def handle(self, *args, **options):
        try:
            body = export_contact_json(options["email"])
        except ValueError as exc:
            raise CommandError(f"Not a valid address: {exc}") from exc
        except UnknownPerson:
            raise CommandError("Nothing is stored about this address.") from None
        if options["output"]:
            try:
                Path(options["output"]).write_text(body + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc.strerror}") from exc
            self.stderr.write(f"Written to {options['output']}")
        else:
            self.stdout.write(body)
