"""How fast the reports aggregate: 1,000,000 deliveries on PostgreSQL (or SQLite).

Creates a scratch database (PostgreSQL: ``wt_bench``), fills it with set-based SQL, then
times each report query a few times and prints the medians next to the row counts.

    python bench/report_aggregation.py [--rows 1000000] [--database postgres://postgres@127.0.0.1:5432/wt_bench]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _prepare_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        server, _slash, name = url.rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def _fill(rows: int) -> None:
    from django.db import connection

    from wagtail_triggers.models import Scenario
    from wagtail_triggers.provisioning import setup_builtins

    setup_builtins()
    scenarios = list(Scenario.objects.values_list("pk", flat=True))
    contacts = max(rows // 10, 1)
    postgres = connection.vendor == "postgresql"

    def series(n: int) -> str:
        if postgres:
            return f"generate_series(1, {n}) AS g(i)"
        return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s)"

    now = "now()" if postgres else "datetime('now')"

    def ago(expr: str) -> str:  # a time `expr` minutes before now
        return (
            f"{now} - ({expr}) * interval '1 minute'" if postgres else f"datetime('now', '-' || ({expr}) || ' minutes')"
        )

    scenario_of = (
        f"(ARRAY{scenarios})[1 + i % {len(scenarios)}]"
        if postgres
        else f"(SELECT id FROM wagtail_triggers_scenario ORDER BY id LIMIT 1 OFFSET i % {len(scenarios)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO wagtail_triggers_contact (email, customer_id, first_name, last_name, language, time_zone, created_at, orders_count) "
            f"SELECT 'c' || i || '@example.com', '', '', '', '', '', {now}, 0 FROM {series(contacts)}"
        )
        first_contact = connection.ops.quote_name("id")
        cursor.execute(f"SELECT min({first_contact}) FROM wagtail_triggers_contact")
        base = cursor.fetchone()[0]
        cursor.execute(
            f"INSERT INTO wagtail_triggers_enrollment (scenario_id, contact_id, subject_id, state, stop_reason, started_at, next_position, snapshot, exclusive_key, rank) "
            f"SELECT {scenario_of}, {base} + i % {contacts}, 's' || i, 'completed', '', {ago('i % 129600')}, 2, '{{}}', '', 0 "
            f"FROM {series(rows)}"
        )
        cursor.execute("SELECT min(id) FROM wagtail_triggers_enrollment")
        first_enrollment = cursor.fetchone()[0]
        # One delivery per enrollment, sent over the last 90 days; some opened, clicked, unsubscribed.
        cursor.execute(
            f"INSERT INTO wagtail_triggers_delivery (enrollment_id, position, scenario_id, contact_id, status, reason, error, attempts, due_at, not_before, sent_at, "
            f"to_email, subject, template_key, language, message_id, coupon_code, esp_message_id, open_count, click_count, opened_at, clicked_at, unsubscribed_at) "
            f"SELECT e.id, 1 + e.id % 3, e.scenario_id, e.contact_id, 'sent', '', '', 1, e.started_at, e.started_at, e.started_at, "
            f"'x@example.com', 's', 'k', 'en', '', '', '', 0, 0, "
            f"CASE WHEN e.id % 3 = 0 THEN e.started_at END, CASE WHEN e.id % 10 = 0 THEN e.started_at END, CASE WHEN e.id % 200 = 0 THEN e.started_at END "
            f"FROM wagtail_triggers_enrollment e WHERE e.id >= {first_enrollment}"
        )
        cursor.execute(
            "INSERT INTO wagtail_triggers_conversion (delivery_id, scenario_id, contact_id, order_id, revenue, currency, occurred_at, attributed_by) "
            "SELECT d.id, d.scenario_id, d.contact_id, 'o' || d.id, 42.50, 'EUR', d.sent_at, 'click' FROM wagtail_triggers_delivery d WHERE d.id % 50 = 0"
        )
        if postgres:
            cursor.execute("ANALYZE")


def _time(label: str, function, repeat: int = 5) -> None:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:<52} median {statistics.median(times):8.1f} ms  (min {min(times):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/wt_bench")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    _prepare_database(args.database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from wagtail_triggers import analytics
    from wagtail_triggers.models import Conversion, Delivery, Scenario

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _fill(args.rows)
    print(f"database: {connection.vendor}; filled in {time.perf_counter() - started:.0f} s")
    print(f"rows: {Delivery.objects.count():,} deliveries, {Conversion.objects.count():,} conversions")
    now = timezone.now()
    scenario = Scenario.objects.get(kind="forgotten_cart").pk
    month, quarter, week = now - timedelta(days=30), now - timedelta(days=90), now - timedelta(days=7)
    _time("by scenario, last 30 days (report)", lambda: analytics.by_scenario(month, now))
    _time("by scenario, last 90 days (all rows)", lambda: analytics.by_scenario(quarter, now))
    _time("by letter for one scenario, last 30 days", lambda: analytics.by_step(scenario, month, now))
    _time("daily trend, all scenarios, last 30 days", lambda: analytics.daily(month, now))
    _time(
        "dashboard panel: by scenario + failing, last 7 days",
        lambda: (analytics.by_scenario(week, now), analytics.failing(week)),
    )


if __name__ == "__main__":
    main()
