import json

from django.core.management.base import BaseCommand, CommandError

from wagtail_triggers.events import EventKind, InvalidEvent, record_event

from ._time import parse_moment


class Command(BaseCommand):
    help = "Record one shop event (for scripts, backfills and trying chains out)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=EventKind.values)
        parser.add_argument("--email", required=True)
        parser.add_argument("--subject", help="Cart or order id.")
        parser.add_argument("--customer-id")
        parser.add_argument("--data", help="The cart or order as JSON (see docs/events.md).")
        parser.add_argument("--customer", help='Customer details as JSON, e.g. {"first_name": "Anna"}.')
        parser.add_argument("--at", help="When it happened (ISO-8601); default: now.")
        parser.add_argument("--key", help="Idempotency key: an event with a known key is not stored again.")

    def handle(self, *args, **options):
        try:
            data = json.loads(options["data"]) if options["data"] else None
            customer = json.loads(options["customer"]) if options["customer"] else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--data/--customer is not valid JSON: {exc}") from exc
        try:
            event = record_event(
                options["kind"],
                email=options["email"],
                subject_id=options["subject"],
                customer_id=options["customer_id"],
                data=data,
                customer=customer,
                occurred_at=parse_moment(options["at"], "--at"),
                key=options["key"],
            )
        except InvalidEvent as exc:
            raise CommandError("Event refused: " + "; ".join(exc.errors)) from exc
        self.stdout.write(
            f"Recorded event {event.pk}: {event.kind} {event.email} {event.subject_id} "
            f"at {event.occurred_at.isoformat()}"
        )
