"""Parsing ``--at`` / ``--now`` for time travel in the commands."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

# "+1d", "+3h", "+90m", "+2d3h": each unit at most once, in this order.
RELATIVE = re.compile(r"\+(?:(?P<days>\d{1,5})d)?(?:(?P<hours>\d{1,6})h)?(?:(?P<minutes>\d{1,8})m)?")


def parse_relative(text: str) -> timedelta | None:
    """``+2d3h`` → two days and three hours; None when ``text`` is not of that form."""
    match = RELATIVE.fullmatch(text.strip().lower())
    if not match or not any(match.groupdict().values()):
        return None
    return timedelta(**{unit: int(value) for unit, value in match.groupdict().items() if value})


def parse_moment(value: str | None, option: str, *, relative: bool = False) -> datetime | None:
    """An ISO-8601 moment (naive means the default time zone); a CommandError, never a
    traceback, for anything else — also for well-formed but impossible dates (month 13).

    With ``relative``, ``+1d``, ``+3h``, ``+90m`` or ``+2d3h`` mean that long after the real
    current time (so repeated time travel does not drift away from today's data).
    """
    if not value:
        return None
    text = value.strip()
    if relative and text.startswith("+"):
        offset = parse_relative(text)
        if offset is None:
            raise CommandError(
                _("%(option)s: %(value)r is not a valid time from now; use e.g. +1d, +3h, +90m or +2d3h")
                % {"option": option, "value": value[:64]}
            )
        return timezone.now() + offset
    try:
        moment = parse_datetime(text[:-1] + "+00:00" if text.endswith("Z") else text) if len(text) < 64 else None
    except ValueError:
        moment = None
    if moment is None:
        if relative:
            message = _(
                "%(option)s: %(value)r is neither a time from now (e.g. +1d, +3h, +2d3h) nor an ISO-8601 "
                "date and time (e.g. 2026-12-01T10:00:00Z)"
            )
        else:
            message = _("%(option)s: %(value)r is not a valid ISO-8601 date and time, e.g. 2026-12-01T10:00:00Z")
        raise CommandError(message % {"option": option, "value": value[:64]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
