"""``triggers_purge``: apply the retention settings now (the daily schedule does the same)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wagtail_triggers.retention import purge

from ._time import parse_moment


class Command(BaseCommand):
    help = (
        "Delete events and tracking rows, and anonymise deliveries, older than TRIGGERS_RETAIN_*; "
        "--dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be purged; change nothing.")
        parser.add_argument("--now", help="Purge as if it were this moment (ISO-8601).")

    def handle(self, *args, **options):
        try:
            counts = purge(parse_moment(options["now"], "--now"), dry_run=options["dry_run"])
        except TypeError as exc:  # a retention setting of the wrong type
            raise CommandError(str(exc)) from exc
        verb = "would purge" if options["dry_run"] else "purged"
        self.stdout.write(f"{verb}: " + " ".join(f"{name}={count}" for name, count in counts.items()))
