"""Backfill contacts, so wake-up chains have a past to count from on the day the app arrives.

Two sources: the site's user model (last login, date joined) and a CSV file (email, name,
last seen, language). Both write :class:`~wagtail_triggers.models.Contact` rows directly, in
batches: this is history, not events — nothing happened now, so no event-triggered chain
(forgotten cart, follow-up) may start from it. The wake-up scans find the contacts on the
next tick by ``last_activity_at``, exactly as if their visits had been recorded live.

Every write is idempotent: a known contact keeps the later of the two "last seen" dates, the
earlier of the two "created" dates, and its own name and language (an import only fills
blanks). Running an import twice changes nothing the second time. Progress is saved after
every committed batch to a small JSON checkpoint, so an interrupted import resumes where it
stopped; a finished import deletes its checkpoint.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .events import InvalidEvent, normalize_email
from .models import Contact
from .privacy import erased_among

DEFAULT_BATCH_SIZE = 500


class ImportFailed(Exception):
    """The import cannot run (unreadable file, missing email column…)."""


@dataclass
class ContactRow:
    """One person as a source knows them; every field but ``email`` may be empty."""

    email: str
    first_name: str = ""
    last_name: str = ""
    language: str = ""
    last_seen_at: datetime | None = None
    created_at: datetime | None = None
    user_id: Any = None
    line: int | None = None  # where it came from, for error messages


@dataclass
class ImportReport:
    """What an import did; ``errors`` holds one message per skipped row (the first 50)."""

    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    resumed_from: Any = None

    def skip(self, message: str) -> None:
        self.counts["skipped"] += 1
        if len(self.errors) < 50:
            self.errors.append(message)

    def __str__(self) -> str:
        names = ("read", "created", "updated", "unchanged", "skipped")
        return " ".join(f"{name}={self.counts.get(name, 0)}" for name in names)


# -- writing ----------------------------------------------------------------------------------


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((d for d in (a, b) if d), default=None)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((d for d in (a, b) if d), default=None)


def upsert_contacts(rows: Iterable[ContactRow], report: ImportReport) -> None:
    """Create or merge one batch of contacts (call inside a transaction)."""
    merged: dict[str, ContactRow] = {}
    for row in rows:
        where = f"line {row.line}: " if row.line else ""
        try:
            email = normalize_email(row.email)
        except InvalidEvent as exc:
            report.skip(where + "; ".join(exc.errors))
            continue
        if not (row.last_seen_at is None or timezone.is_aware(row.last_seen_at)):
            report.skip(f"{where}last seen must be timezone-aware")
            continue
        earlier = merged.get(email)
        if earlier:  # the same person twice in one batch: merge like two imports would
            row.last_seen_at = _later(earlier.last_seen_at, row.last_seen_at)
            row.created_at = _earlier(earlier.created_at, row.created_at)
            for name in ("first_name", "last_name", "language", "user_id"):
                if not getattr(row, name):
                    setattr(row, name, getattr(earlier, name))
        merged[email] = row
    for email in erased_among(merged):  # data rights: a forgotten person is not imported again
        report.skip("a forgotten address (data rights) was not imported")
        del merged[email]
    if not merged:
        return
    existing = {c.email: c for c in Contact.objects.select_for_update().filter(email__in=list(merged))}
    new, changed = [], []
    for email, row in merged.items():
        contact = existing.get(email)
        if contact is None:
            contact = Contact(
                email=email,
                first_name=row.first_name[:150],
                last_name=row.last_name[:150],
                language=row.language[:10],
                user_id=row.user_id,
                created_at=row.created_at or timezone.now(),
                last_seen_at=row.last_seen_at,
            )
            contact.refresh_activity()
            new.append(contact)
            continue
        fields = _merge(contact, row)
        if fields:
            changed.append(contact)
            report.counts["updated"] += 1
        else:
            report.counts["unchanged"] += 1
    if new:
        # ignore_conflicts: a contact created by a live event since the SELECT is not an error;
        # the next run of the import merges into it.
        Contact.objects.bulk_create(new, ignore_conflicts=True)
        report.counts["created"] += len(new)
    if changed:
        Contact.objects.bulk_update(
            changed,
            ["first_name", "last_name", "language", "user", "created_at", "last_seen_at", "last_activity_at"],
        )


def _merge(contact: Contact, row: ContactRow) -> set[str]:
    changed: set[str] = set()
    for name, limit in (("first_name", 150), ("last_name", 150), ("language", 10)):
        value = getattr(row, name)[:limit]
        if value and not getattr(contact, name):
            setattr(contact, name, value)
            changed.add(name)
    if row.user_id and contact.user_id is None:
        contact.user_id = row.user_id
        changed.add("user")
    created = _earlier(contact.created_at, row.created_at)
    if created != contact.created_at:
        contact.created_at = created
        changed.add("created_at")
    seen = _later(contact.last_seen_at, row.last_seen_at)
    if seen != contact.last_seen_at:
        contact.last_seen_at = seen
        contact.refresh_activity()
        changed |= {"last_seen_at", "last_activity_at"}
    return changed


# -- sources ----------------------------------------------------------------------------------


class Source:
    """Where rows come from: ``total()``, ``rows(after)`` yielding (position, row) and a name."""

    name = ""

    def fingerprint(self) -> str:
        return ""

    def total(self) -> int:
        raise NotImplementedError

    def done_before(self, position: Any) -> int:
        """How many rows lie at or before a saved position (for the progress bar on resume)."""
        return 0 if position is None else int(position)

    def rows(self, after: Any) -> Iterator[tuple[Any, ContactRow | str]]:
        raise NotImplementedError


class UserSource(Source):
    """The site's user model, in primary-key order: last login and date joined."""

    name = "users"

    def __init__(self, *, include_inactive: bool = False):
        self.model = get_user_model()
        self.fields = {f.name for f in self.model._meta.get_fields()}
        email_field = getattr(self.model, "EMAIL_FIELD", "email")
        if email_field not in self.fields:
            raise ImportFailed(f"{self.model._meta.label} has no email field")
        self.email_field = email_field
        self.include_inactive = include_inactive

    def queryset(self):
        qs = self.model._default_manager.exclude(**{f"{self.email_field}__isnull": True})
        qs = qs.exclude(**{self.email_field: ""})
        if not self.include_inactive and "is_active" in self.fields:
            qs = qs.filter(is_active=True)
        wanted = ["pk", self.email_field] + [
            name for name in ("first_name", "last_name", "last_login", "date_joined") if name in self.fields
        ]
        return qs.order_by("pk").values(*wanted)

    def total(self) -> int:
        return self.queryset().count()

    def done_before(self, position: Any) -> int:
        return 0 if position is None else self.queryset().filter(pk__lte=position).count()

    def rows(self, after: Any) -> Iterator[tuple[Any, ContactRow | str]]:
        qs = self.queryset()
        if after is not None:
            qs = qs.filter(pk__gt=after)
        for user in qs.iterator(chunk_size=2000):
            joined = user.get("date_joined")
            yield (
                user["pk"],
                ContactRow(
                    email=user[self.email_field],
                    first_name=user.get("first_name") or "",
                    last_name=user.get("last_name") or "",
                    last_seen_at=_later(user.get("last_login"), joined),
                    created_at=joined,
                    user_id=user["pk"],
                ),
            )


CSV_COLUMNS = {
    "email": ("email", "e-mail", "email address"),
    "name": ("name", "full name", "full_name"),
    "first_name": ("first name", "first_name", "firstname", "given name"),
    "last_name": ("last name", "last_name", "lastname", "surname", "family name"),
    "last_seen": ("last seen", "last_seen", "last_seen_at", "last visit", "last_login", "last login"),
    "language": ("language", "lang", "locale"),
}


def parse_moment(value: str) -> datetime | None:
    """An ISO-8601 date or date-and-time; naive values are in the site's time zone."""
    value = (value or "").strip()
    if not value:
        return None
    moment = parse_datetime(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(f"{value!r} is not an ISO-8601 date, e.g. 2025-03-31 or 2025-03-31T18:00:00Z")
        moment = datetime(day.year, day.month, day.day)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class CsvSource(Source):
    """A CSV file with a header row: email (required), name or first/last name, last seen, language."""

    def __init__(self, path: str | os.PathLike, *, encoding: str = "utf-8-sig", delimiter: str | None = None):
        self.path = Path(path).resolve()
        self.encoding = encoding
        self.delimiter = delimiter
        if not self.path.is_file():
            raise ImportFailed(f"{self.path}: no such file")
        self.name = f"csv:{self.path}"

    def fingerprint(self) -> str:
        stat = self.path.stat()
        with self.path.open("rb") as fh:
            head = hashlib.sha256(fh.read(65536)).hexdigest()[:16]
        return f"{stat.st_size}:{int(stat.st_mtime)}:{head}"

    def _open(self) -> tuple[TextIO, csv.DictReader, dict[str, str]]:
        fh = self.path.open(newline="", encoding=self.encoding)
        sample = fh.read(8192)
        fh.seek(0)
        delimiter = self.delimiter
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
            except csv.Error:
                delimiter = ","
        reader = csv.DictReader(fh, delimiter=delimiter)
        headers = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
        columns = {}
        for column, aliases in CSV_COLUMNS.items():
            for alias in aliases:
                if alias in headers:
                    columns[column] = headers[alias]
                    break
        if "email" not in columns:
            fh.close()
            raise ImportFailed(f"{self.path}: no email column in the header {list(headers)}")
        return fh, reader, columns

    def total(self) -> int:
        fh, reader, _columns = self._open()
        with fh:
            return sum(1 for _ in reader)

    def rows(self, after: Any) -> Iterator[tuple[Any, ContactRow | str]]:
        fh, reader, columns = self._open()
        skip = int(after or 0)
        with fh:
            for number, record in enumerate(reader, start=1):
                if number <= skip:
                    continue
                line = reader.line_num
                cells = {column: (record.get(header) or "").strip() for column, header in columns.items()}
                try:
                    seen = parse_moment(cells.get("last_seen", ""))
                except ValueError as exc:
                    yield number, f"line {line}: last seen: {exc}"
                    continue
                first, last = cells.get("first_name", ""), cells.get("last_name", "")
                if not (first or last) and cells.get("name"):
                    first, _space, last = cells["name"].partition(" ")
                yield (
                    number,
                    ContactRow(
                        email=cells["email"],
                        first_name=first,
                        last_name=last.strip(),
                        language=cells.get("language", "").replace("_", "-").lower(),
                        last_seen_at=seen,
                        line=line,
                    ),
                )


# -- progress and checkpoints ---------------------------------------------------------------------


class ProgressBar:
    """A one-line bar on a terminal (``\\r``-redrawn); silent when ``enabled`` is false."""

    def __init__(self, total: int, stream: TextIO, *, enabled: bool | None = None, width: int = 30):
        self.total = max(total, 0)
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count: int, *, force: bool = False) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(share * self.width)
        rate = self.done / max(now - self.started, 1e-6)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {share:4.0%} {rate:,.0f}/s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.advance(0, force=True)
            self.stream.write("\n")
            self.stream.flush()


class Checkpoint:
    """Where an import got to: one small JSON file, replaced atomically after each batch."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def load(self, source: Source) -> Any:
        """The saved position for this source, or None (missing, other source or changed file)."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        if data.get("source") != source.name or data.get("fingerprint") != source.fingerprint():
            return None
        return data.get("position")

    def save(self, source: Source, position: Any, report: ImportReport) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "source": source.name,
                    "fingerprint": source.fingerprint(),
                    "position": position,
                    "counts": dict(report.counts),
                    "saved_at": timezone.now().isoformat(),
                }
            )
        )
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def default_checkpoint(source: Source) -> Path:
    digest = hashlib.sha256(source.name.encode()).hexdigest()[:10]
    label = "users" if source.name == "users" else "csv"
    return Path.cwd() / f".triggers-import-{label}-{digest}.json"


def run_import(
    source: Source,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    checkpoint: Checkpoint | None = None,
    restart: bool = False,
    progress: TextIO | None = None,
    show_progress: bool | None = None,
    on_batch: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import every row of ``source`` in batches; resume from ``checkpoint`` unless ``restart``.

    Each batch is one transaction followed by a checkpoint write, so a crash loses at most the
    batch in flight — and re-importing that batch is harmless.
    """
    report = ImportReport()
    checkpoint = checkpoint or Checkpoint(default_checkpoint(source))
    if restart:
        checkpoint.clear()
    start = report.resumed_from = checkpoint.load(source)
    bar = ProgressBar(source.total(), progress or sys.stderr, enabled=show_progress)
    bar.advance(source.done_before(start))
    batch: list[ContactRow] = []
    pending = 0  # rows read since the last checkpoint, skipped ones included

    def commit(position: Any) -> None:
        nonlocal pending
        with transaction.atomic():
            upsert_contacts(batch, report)
        checkpoint.save(source, position, report)
        bar.advance(pending)
        batch.clear()
        pending = 0
        if on_batch:
            on_batch(report)

    position = start
    for position, row in source.rows(start):
        pending += 1
        report.counts["read"] += 1
        if isinstance(row, str):
            report.skip(row)
        else:
            batch.append(row)
        if pending >= batch_size:
            commit(position)
    if pending:
        commit(position)
    bar.close()
    checkpoint.clear()
    return report
