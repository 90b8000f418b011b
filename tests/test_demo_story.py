"""The README's time travel tells the truth: its steps, run literally on the demo data, send
exactly the letters it lists, today and a year from now (the demo's history is dated back from
the real current time), and ``load_demo_data --reset`` starts the story again.

The commands are read from the README's table (step 5 of the tour), so the README cannot drift
from what the demo does. The run happens in a process of its own with the demo's settings, a
temporary SQLite database and media folder, and a clock frozen (then running on) at each date.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SITE = ROOT / "example_site"

# The demo's customers by the first names the README uses.
CUSTOMERS = {
    "Anna": "anna.smith@example.com",
    "Sam": "sam.carter@example.com",
    "Lena": "lena.vogel@example.com",
    "Maya": "maya.brooks@example.com",
    "Oleg": "oleg.petrov@example.com",
    "Clara": "clara.jensen@example.com",
    "Tom": "tom.hughes@example.com",
}
ANNA, SAM, LENA, MAYA, OLEG, CLARA, TOM = CUSTOMERS.values()
FIRST_TICK = [
    (ANNA, "order_followup/thanks"),
    (CLARA, "wakeup_180/hello"),
    (LENA, "forgotten_cart/reminder"),
    (MAYA, "wakeup_90/hello"),
    (OLEG, "hooliganism/help"),
    (SAM, "cancelled_order/really_cancel"),
    (TOM, "wakeup_360/hello"),
]
# What each row of the README's table must send: (recipient, letter), nothing more, nothing less.
STORY = [
    FIRST_TICK,
    [(LENA, "forgotten_cart/reserved"), (SAM, "cancelled_order/reserved")],
    [(ANNA, "order_followup/support"), (LENA, "forgotten_cart/discount"), (SAM, "cancelled_order/discount")],
    [(OLEG, "hooliganism/warning")],
    [(CLARA, "wakeup_180/coupon"), (MAYA, "wakeup_90/coupon"), (TOM, "wakeup_360/coupon")],
]


def readme_story() -> list[tuple[str, str]]:
    """(command, what the README says it sends) for each row of the tour's time-travel table."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("5. Travel in time") : text.index("6. In the Wagtail admin")]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and "manage.py" in cells[0]:
            rows.append((re.search(r"`([^`]*manage\.py[^`]*)`", cells[0]).group(1), cells[1]))
    reset = re.search(r"^\s*(\S*python manage\.py load_demo_data --reset)\s*$", section, re.MULTILINE)
    assert reset, "the README shows the way back"
    return rows, reset.group(1)


def run_story(runs: list[tuple[str, list[str]]], tmp_path: Path) -> list:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "BASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="demo.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "demo_story_driver.py"), json.dumps(runs)],
        cwd=EXAMPLE_SITE,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_readme_table_matches_the_story():
    rows, _reset = readme_story()
    assert [command.split("manage.py ")[1] for command, _ in rows] == [
        "triggers_tick",
        "triggers_tick --now +1d",
        "triggers_tick --now +2d",
        "triggers_tick --now +3d",
        "triggers_tick --now +4d",
    ]
    for (_command, said), letters in zip(rows, STORY, strict=True):
        named = {email for name, email in CUSTOMERS.items() if re.search(rf"\b{name}\b", said)}
        assert named == {email for email, _ in letters}, said


def test_the_readme_steps_send_exactly_what_it_says_today_and_a_year_later(tmp_path):
    rows, reset = readme_story()
    commands = [command for command, _ in rows]
    today = datetime.now(UTC).replace(microsecond=0)
    later = today + timedelta(days=365 + 45)  # another season, another day of the week
    runs = [
        (today.isoformat(), ["python manage.py load_demo_data", *commands]),
        # A year later the old history is stale; the README's way back makes the story true again.
        (later.isoformat(), [reset, *commands, reset, commands[0]]),
    ]
    first, second = run_story(runs, tmp_path)

    def letters(step: list) -> list[tuple[str, str]]:
        return sorted((email, key) for email, _kind, key in step)

    assert first[0] == []  # loading sends nothing by itself
    assert [letters(step) for step in first[1:]] == STORY
    assert second[0] == []
    assert [letters(step) for step in second[1:6]] == STORY
    assert second[6] == [] and letters(second[7]) == FIRST_TICK  # reset again: the story restarts
    everyone = {email for run in (first, second) for step in run for email, _kind, _key in step}
    assert everyone == set(CUSTOMERS.values())  # never the admin, never anyone else
