"""Parsing ``--at`` / ``--now`` for time travel in the commands."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _


def parse_moment(value: str | None, option: str) -> datetime | None:
    """An ISO-8601 moment (naive means the default time zone); a CommandError, never a
    traceback, for anything else — also for well-formed but impossible dates (month 13)."""
    if not value:
        return None
    text = value.strip()
    try:
        moment = parse_datetime(text[:-1] + "+00:00" if text.endswith("Z") else text) if len(text) < 64 else None
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            _("%(option)s: %(value)r is not a valid ISO-8601 date and time, e.g. 2026-12-01T10:00:00Z")
            % {"option": option, "value": value[:64]}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
