import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wagtail_triggers.events import EventKind, InvalidEvent, record_event

from ._time import parse_moment


def _no_constants(name: str) -> Any:
    """``json.loads`` accepts NaN and Infinity, which are not JSON: refuse them here."""
    raise ValueError(_("%(name)s is not a JSON value") % {"name": name})


def parse_json(value: str | None, option: str) -> Any:
    """The JSON of ``--data``/``--customer``, or a CommandError saying what is wrong."""
    if not value:
        return None
    try:
        return json.loads(value, parse_constant=_no_constants)
    except RecursionError:
        raise CommandError(_("%(option)s is nested too deeply") % {"option": option}) from None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise CommandError(_("%(option)s is not valid JSON: %(error)s") % {"option": option, "error": exc}) from None


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
        data = parse_json(options["data"], "--data")
        customer = parse_json(options["customer"], "--customer")
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
            raise CommandError(_("Event refused: %(errors)s") % {"errors": "; ".join(exc.errors)}) from exc
        if event.pk is None:  # not stored (e.g. the address was forgotten)
            self.stdout.write(_("Not recorded: %(reason)s") % {"reason": event.error or _("ignored")})
            return
        self.stdout.write(
            f"Recorded event {event.pk}: {event.kind} {event.email} {event.subject_id} "
            f"at {event.occurred_at.isoformat()}"
        )
