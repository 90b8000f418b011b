from django.core.management.base import BaseCommand, CommandError

from wagtail_triggers.importing import (
    DEFAULT_BATCH_SIZE,
    Checkpoint,
    CsvSource,
    ImportFailed,
    UserSource,
    default_checkpoint,
    run_import,
)


class _Terminal:
    """The command's stderr for the progress bar: raw writes, no newline added."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return self.wrapper.isatty()


class Command(BaseCommand):
    help = (
        "Backfill contacts so wake-up chains work from day one: from the site's users "
        "(last login, date joined) or from a CSV file (email, name, last seen, language). "
        "Idempotent; an interrupted import resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=["users", "csv"], help="Where contacts come from.")
        parser.add_argument("path", nargs="?", help="The CSV file (for the csv source).")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--checkpoint",
            help="Progress file (default: .triggers-import-*.json in the current directory).",
        )
        parser.add_argument("--restart", action="store_true", help="Ignore saved progress and start over.")
        parser.add_argument("--include-inactive", action="store_true", help="users: also import inactive users.")
        parser.add_argument("--encoding", default="utf-8-sig", help="csv: file encoding (default utf-8-sig).")
        parser.add_argument("--delimiter", help="csv: column separator (default: sniffed from , ; or tab).")
        progress = parser.add_mutually_exclusive_group()
        progress.add_argument("--progress", dest="progress", action="store_true", default=None)
        progress.add_argument("--no-progress", dest="progress", action="store_false")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            if options["source"] == "csv":
                if not options["path"]:
                    raise CommandError("the csv source needs a file: triggers_import_contacts csv people.csv")
                source = CsvSource(options["path"], encoding=options["encoding"], delimiter=options["delimiter"])
            else:
                if options["path"]:
                    raise CommandError("the users source takes no file")
                source = UserSource(include_inactive=options["include_inactive"])
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        checkpoint = Checkpoint(options["checkpoint"] or default_checkpoint(source))
        try:
            report = run_import(
                source,
                batch_size=options["batch_size"],
                checkpoint=checkpoint,
                restart=options["restart"],
                progress=_Terminal(self.stderr),
                show_progress=options["progress"],
            )
        except (ImportFailed, OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{exc} (progress so far is saved in {checkpoint.path})") from exc
        except KeyboardInterrupt:
            raise CommandError(
                f"Interrupted. Progress is saved in {checkpoint.path}: run the same command again to resume."
            ) from None
        if report.resumed_from is not None:
            self.stdout.write(f"Resumed after {report.resumed_from!r} (saved in {checkpoint.path}).")
        for message in report.errors:
            self.stderr.write(f"skipped {message}")
        self.stdout.write(f"Imported contacts from {source.name}: {report}")
