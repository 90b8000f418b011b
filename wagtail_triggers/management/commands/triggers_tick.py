from django.core.management.base import BaseCommand

from wagtail_triggers.engine import tick

from ._time import parse_moment


class Command(BaseCommand):
    help = (
        "Run one engine pass: process events, enrol, send due letters. --now time-travels: "
        "+1d, +3h, +90m, +2d3h (that long after the real current time) or an ISO-8601 moment."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Run as if it were this moment: +1d, +3h, +90m or +2d3h from now, or ISO-8601 (2030-01-01T10:00:00Z).",
        )

    def handle(self, *args, **options):
        report = tick(parse_moment(options["now"], "--now", relative=True))
        self.stdout.write(f"{report.now.isoformat()} {report}")
