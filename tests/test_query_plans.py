"""The scan and claim queries keep index plans at 100k rows with default statistics (PostgreSQL).

Issue 17 point 6: a stale planner once made a scan quadratic, so these plans are read before any
``ANALYZE`` of the seeded rows (they are not even committed, so autovacuum cannot analyze them):
the planner sees only the tables' sizes. A sequential scan of contacts, enrollments or
deliveries fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from wagtail_triggers import dispatch
from wagtail_triggers.engine import claim_due
from wagtail_triggers.models import Contact, Delivery, Enrollment, Scenario
from wagtail_triggers.ticktime import TickReport

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's EXPLAIN"),
]

ROWS = 100_000
WATCHED = {model._meta.db_table for model in (Contact, Enrollment, Delivery)}
INACTIVITY = ("wakeup_90", "hooliganism", "wakeup_180", "wakeup_360")
# One contact in 20 absent for 90 to 489 days, the others seen in the last 60 days.
ABSENCE = "make_interval(days => CASE WHEN mod(g, 20) = 0 THEN 90 + mod(g, 400) ELSE mod(g, 60) END)"


def seed(model: type[Model], rows: dict[str, str | tuple[str, list[Any]]]) -> None:
    """``ROWS`` rows in one ``INSERT … SELECT … generate_series(1, ROWS) AS g``: the columns in
    ``rows`` from SQL over ``g`` (with its parameters), every other column its default (or NULL)."""
    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in rows:
            sql, extra = rows[field.column] if isinstance(rows[field.column], tuple) else (rows[field.column], [])
            values.append(sql)
            params.extend(extra)
        elif field.null and not field.has_default():
            values.append("NULL")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, {ROWS}) AS g",
            params,
        )


@pytest.fixture
def population(enable) -> datetime:
    """100k contacts (5 % absent 90–490 days, 1 % unsubscribed), 100k enrollments (10 %
    active, due over ±8 hours) and 100k deliveries (2 % queued), all of the forgotten cart."""
    now = timezone.now()
    (cart, *_inactive) = enable("forgotten_cart", *INACTIVITY)
    step = cart.steps.order_by("position").first()
    seed(
        Contact,
        {
            "email": "'p' || g || '@example.com'",
            "created_at": ("%s", [now]),
            "last_seen_at": (f"%s - {ABSENCE}", [now]),
            "last_activity_at": (f"%s - {ABSENCE}", [now]),
            "orders_count": "mod(g, 3)",
            "unsubscribed_at": ("CASE WHEN mod(g, 97) = 0 THEN %s END", [now]),
        },
    )
    first = Contact.objects.order_by("pk").values_list("pk", flat=True).first()
    seed(
        Enrollment,
        {
            "scenario_id": str(cart.pk),
            "contact_id": f"{first - 1} + g",
            "subject_id": "'cart-' || g",
            "next_position": "2",  # the first letter went out (the deliveries below)
            "state": "CASE WHEN mod(g, 10) = 0 THEN 'active' ELSE 'completed' END",
            "started_at": ("%s - make_interval(mins => g)", [now]),
            "finished_at": ("CASE WHEN mod(g, 10) <> 0 THEN %s END", [now]),
            "next_run_at": ("CASE WHEN mod(g, 10) = 0 THEN %s + make_interval(mins => mod(g, 1000) - 500) END", [now]),
        },
    )
    first = Enrollment.objects.order_by("pk").values_list("pk", "contact_id").first()
    seed(
        Delivery,
        {
            "enrollment_id": f"{first[0] - 1} + g",
            "contact_id": f"{first[1] - 1} + g",
            "scenario_id": str(cart.pk),
            "step_id": str(step.pk),
            "position": "1",
            "template_key": ("%s", [step.template_key]),
            "status": "CASE WHEN mod(g, 50) = 0 THEN 'queued' ELSE 'sent' END",
            "due_at": ("%s - make_interval(mins => g)", [now]),
            "not_before": ("%s - make_interval(mins => mod(g, 1000) - 500)", [now]),
            "sent_at": ("CASE WHEN mod(g, 50) <> 0 THEN %s END", [now]),
        },
    )
    return now


def statements(run: Callable[[], object]) -> list[tuple[str, list[Any]]]:
    """The statements ``run`` sends (SAVEPOINTs aside), with their parameters."""
    seen: list[tuple[str, list[Any]]] = []

    def record(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen


def sequential_scans(sql: str, params: list[Any]) -> list[str]:
    """The watched tables ``EXPLAIN`` (no ANALYZE: nothing runs) reads sequentially."""

    def nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        result = cursor.fetchone()[0]
    (plan,) = json.loads(result) if isinstance(result, str) else result
    return [
        node["Relation Name"]
        for node in nodes(plan["Plan"])
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in WATCHED
    ]


def assert_index_plans(run: Callable[[], object]) -> int:
    """Every statement of ``run`` that reads a watched table does so through an index."""
    checked = 0
    for sql, params in statements(run):
        if not any(table in sql for table in WATCHED):
            continue
        assert sequential_scans(sql, params) == [], sql
        checked += 1
    return checked


@pytest.mark.parametrize("kind", INACTIVITY)
def test_each_inactivity_scan_reads_contacts_and_enrollments_through_indexes(population, kind):
    scenario = Scenario.objects.get(kind=kind)
    enrolled: list[int] = []
    assert assert_index_plans(lambda: enrolled.append(scenario.kind_class.scan(scenario, population))) >= 2
    assert enrolled[0] > 0  # the statements read were the enrolling ones
    # The idle scan sends the same statements: the plans above are its plans too.


def test_the_due_enrollments_claim_reads_through_indexes(population):
    report = TickReport(population)
    assert assert_index_plans(lambda: claim_due(population, report, limit=50)) >= 1
    assert report.counts["claimed"] > 0


def test_the_queued_deliveries_claim_reads_through_indexes(population):
    claimed = []
    assert assert_index_plans(lambda: claimed.append(dispatch.claim(population, 50))) >= 1
    assert claimed[0].ids
