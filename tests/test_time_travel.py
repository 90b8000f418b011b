"""``triggers_tick --now`` travels relative to the real time (+1d, +3h, +90m, +2d3h) or to an
ISO-8601 moment, and refuses anything else with a message that shows both forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from wagtail_triggers.management.commands._time import parse_relative

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def tick(*args: str) -> datetime:
    out = StringIO()
    call_command("triggers_tick", *args, stdout=out)
    return datetime.fromisoformat(out.getvalue().split()[0])


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("+1d", timedelta(days=1)),
        ("+3h", timedelta(hours=3)),
        ("+90m", timedelta(minutes=90)),
        ("+2d3h", timedelta(days=2, hours=3)),
        ("+1d2h30m", timedelta(days=1, hours=2, minutes=30)),
        (" +4D ", timedelta(days=4)),
    ],
)
@pytest.mark.django_db
def test_relative_now_is_counted_from_the_real_time(text, offset):
    with time_machine.travel(NOW, tick=False):
        assert tick("--now", text) == NOW + offset


@pytest.mark.django_db
def test_iso_now_still_works_and_plain_tick_runs_now():
    with time_machine.travel(NOW, tick=False):
        assert tick("--now", "2030-01-01T10:00:00Z") == datetime(2030, 1, 1, 10, tzinfo=UTC)
        assert tick() == NOW


@pytest.mark.parametrize("text", ["+", "+1", "+1w", "+3h1d", "+-1d", "1d", "yesterday", "+1d 2h", "2026-13-01T00:00Z"])
@pytest.mark.django_db
def test_bad_now_is_a_clear_command_error(text):
    with pytest.raises(CommandError, match=r"--now: .*(\+1d|ISO-8601)"):
        tick("--now", text)


def test_parse_relative_refuses_other_forms():
    assert parse_relative("+2d3h") == timedelta(days=2, hours=3)
    assert parse_relative("2d") is None
    assert parse_relative("+") is None
