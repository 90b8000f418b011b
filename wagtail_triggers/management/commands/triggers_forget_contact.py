"""``triggers_forget_contact EMAIL``: erase one person and never mail them again (GDPR art. 17)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wagtail_triggers.privacy import forget_contact


class Command(BaseCommand):
    help = (
        "Erase everything stored about one email address; letters stay in the reports without it, "
        "and a keyed hash of the address keeps the person from being mailed again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address.")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="Do not ask to confirm."
        )

    def handle(self, *args, **options):
        email = options["email"]
        if options["interactive"]:
            answer = input(f"Erase everything stored about {email}? This cannot be undone. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was erased.")
        try:
            report = forget_contact(email)
        except ValueError as exc:
            raise CommandError(f"Not a valid address: {exc}") from exc
        self.stdout.write(f"Forgotten: {report}")
