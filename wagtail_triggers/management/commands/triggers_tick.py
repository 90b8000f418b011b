from django.core.management.base import BaseCommand

from wagtail_triggers.engine import tick

from ._time import parse_moment


class Command(BaseCommand):
    help = "Run one engine pass: process events, enrol, send due letters. --now time-travels."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Run as if it were this moment (ISO-8601).")

    def handle(self, *args, **options):
        report = tick(parse_moment(options["now"], "--now"))
        self.stdout.write(f"{report.now.isoformat()} {report}")
