"""Runs the demo's story in a process of its own, with the demo's settings and a frozen clock.

Used by ``tests/test_demo_story.py``; run from ``example_site/`` as
``python <this file> '<JSON: [[ISO moment, [shell command, …]], …]>'``. Migrates the empty
database named by ``DATABASE_URL`` once, then for each moment travels there (the clock runs on
from it) and runs each ``manage.py`` command in order through ``call_command``. Prints, as
JSON, the letters each command sent: ``[[[email, scenario kind, letter key], …] per command] per
moment``.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import sys
from datetime import datetime

import time_machine


def manage_py_arguments(command: str) -> list[str]:
    """``../.venv-demo/bin/python manage.py triggers_tick --now +1d`` → ``["triggers_tick", "--now", "+1d"]``."""
    words = shlex.split(command, comments=True)
    return words[words.index("manage.py") + 1 :]


def main(runs: list[tuple[str, list[str]]]) -> list[list[list[list[str]]]]:
    with time_machine.travel(datetime.fromisoformat(runs[0][0]), tick=True):
        import django

        django.setup()
        from django.core.management import call_command

        from wagtail_triggers.models import Delivery

        quiet = io.StringIO()
        call_command("migrate", verbosity=0, stdout=quiet)

    def sent() -> set[int]:
        return set(Delivery.objects.filter(status=Delivery.Status.SENT).values_list("pk", flat=True))

    results = []
    for moment, commands in runs:
        with time_machine.travel(datetime.fromisoformat(moment), tick=True):
            steps = []
            for command in commands:
                before = sent()
                call_command(*manage_py_arguments(command), stdout=quiet)
                letters = Delivery.objects.filter(pk__in=sent() - before).select_related("contact", "scenario")
                steps.append(sorted([d.contact.email, d.scenario.kind, d.template_key] for d in letters))
            results.append(steps)
    return results


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())  # example_site/: the demo's settings and shop app
    print(json.dumps(main(json.loads(sys.argv[1]))))
