"""Parsing ``--at`` / ``--now`` for time travel in the commands."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def parse_moment(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    if moment is None:
        raise CommandError(f"{option}: {value!r} is not an ISO-8601 date and time, e.g. 2026-12-01T10:00:00Z")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
