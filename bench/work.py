"""The benchmark's measured work, one task per process (started by ``bench/run.py``).

    python bench/work.py TASK '{"json": "arguments"}'

A process that takes part in a timed run prints ``READY`` once Django is loaded and its work
prepared, then waits for ``GO`` on stdin, so start-up never counts and several processes start
together. Every task ends by printing ``RESULT {json}``. Times are ``time.time()`` so the
parent can compare them with the SMTP server's arrival times.

The measured parts use the app's public entry points only: ``engine.tick``,
``events.record_event``, a kind's ``scan``, ``scenario_switch.enable`` and django-q2's broker.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from wagtail_triggers.engine import tick  # noqa: E402
from wagtail_triggers.events import record_event  # noqa: E402
from wagtail_triggers.models import Contact, Delivery, Event, Scenario, Step  # noqa: E402
from wagtail_triggers.scenario_switch import enable  # noqa: E402

WAKEUPS = ["wakeup_90", "wakeup_180", "wakeup_360"]


def say(line: str) -> None:
    print(line, flush=True)


def wait_for_go() -> None:
    say("READY")
    if sys.stdin.readline().strip() != "GO":
        raise SystemExit("stopped before GO")


class QueryCounter:
    """Counts statements sent to the database (each one a round trip) while installed."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def rss_mb(field: str = "VmRSS") -> float:
    """Resident memory from /proc/self/status (VmHWM: the peak), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Linux resets VmHWM to the current RSS when 5 is written to clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# -- preparing databases ---------------------------------------------------------------------------


def task_migrate(args: dict) -> dict:
    from django.core.management import call_command

    from wagtail_triggers.provisioning import setup_builtins

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # the shared cache of bench/settings.py
    setup_builtins()
    return {"scenarios": Scenario.objects.count()}


def absence_days(i: int, every: int) -> int:
    """Days since the last activity of contact ``i``: every ``every``-th contact was away
    91–500 days (due for a wake-up chain), the others 0–88 days."""
    return 91 + (i * 7919) % 410 if i % every == 0 else (i * 7919) % 89


# absence_days() in SQL, with % doubled for the driver's parameter style.
ABSENCE_DAYS_SQL = "(CASE WHEN i %% {every} = 0 THEN 91 + (i * 7919) %% 410 ELSE (i * 7919) %% 89 END)"


def seed_contacts(contacts: int, every: int) -> int:
    """``contacts`` contacts, one in ``every`` absent for more than 90 days. PostgreSQL: one
    INSERT … SELECT over generate_series (every column of the model, defaults for the rest)."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        rows = []
        for i in range(1, contacts + 1):
            seen = now - timedelta(days=absence_days(i, every), seconds=i % 86400)
            rows.append(
                Contact(
                    email=f"c{i}@bench.example",
                    created_at=now - timedelta(days=600),
                    last_seen_at=seen,
                    last_activity_at=seen,
                )
            )
        Contact.objects.bulk_create(rows, batch_size=2000)
        return contacts
    days = ABSENCE_DAYS_SQL.format(every=int(every))
    seen = f"(%s::timestamptz - {days} * interval '1 day' - (i %% 86400) * interval '1 second')"
    columns, values, params = [], [], []
    for field in Contact._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name == "email":
            values.append("'c' || i || '@bench.example'")
        elif field.name in ("last_seen_at", "last_activity_at"):
            values.append(seen)
            params.append(now)
        elif field.name == "created_at":
            values.append("%s")
            params.append(now - timedelta(days=600))
        else:
            default = field.get_default()  # "" for text fields, None for nullable ones
            if default is None and not field.null:
                raise SystemExit(f"Contact.{field.name} has no default: teach bench/work.py how to seed it")
            values.append("%s")
            params.append(field.get_db_prep_save(default, connection))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Contact._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(1::bigint, {int(contacts)}) AS g(i)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Contact._meta.db_table)}")
    return contacts


def enable_kinds(kinds: list[str]) -> None:
    now = timezone.now()
    for scenario in Scenario.objects.filter(kind__in=kinds):
        enable(scenario, now=now)


def task_seed(args: dict) -> dict:
    """Seed contacts; with ``prepare``: enable the chains and tick, with the mail server
    unreachable, until every due contact's first letter is claimed and waits QUEUED."""
    started = time.time()
    seed_contacts(args["contacts"], args["every"])
    seeded = time.time() - started
    result: dict[str, Any] = {"contacts": Contact.objects.count(), "seed_seconds": round(seeded, 1)}
    if args.get("prepare"):
        due = args["contacts"] // args["every"]
        enable_kinds(args["kinds"])
        ticks = 0
        while Delivery.objects.count() < due and ticks < 10_000:
            report = tick()
            ticks += 1
            if not (report.counts.get("enrolled") or report.counts.get("claimed")):
                break
        result.update(
            queued=Delivery.objects.filter(status=Delivery.Status.QUEUED).count(),
            prepare_ticks=ticks,
            prepare_seconds=round(time.time() - started - seeded, 1),
        )
    return result


# -- sending -----------------------------------------------------------------------------------------


def sample_html() -> tuple[str, str, str]:
    """A real letter's subject, HTML and text (the wake-up hello), rendered once."""
    from wagtail_triggers.context import sample_context
    from wagtail_triggers.rendering import compile_letter, render_letter
    from wagtail_triggers.shipped import shipped_source

    key = "wakeup_90/hello"
    source = shipped_source(key)
    compiled = compile_letter(source.subject, source.preheader, source.body, "en")
    letter = render_letter(compiled, sample_context(key, "en"), "en")
    return letter.subject, letter.html, letter.text


def task_raw(args: dict) -> dict:
    """The baseline: Django's send_messages of prebuilt messages over one connection."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    subject, html, text = sample_html()
    messages = []
    for i in range(args["offset"], args["offset"] + args["count"]):
        message = EmailMultiAlternatives(subject, text, "shop@example.com", [f"raw{i}@bench.example"])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    backend = get_connection()
    wait_for_go()
    started = time.time()
    deadline = started + args.get("max_seconds", 3600)
    backend.open()
    sent = 0
    for start in range(0, len(messages), 50):  # the same connection throughout; the deadline checked
        sent += backend.send_messages(messages[start : start + 50])
        if time.time() > deadline:
            break
    backend.close()
    return {"started": started, "ended": time.time(), "sent": sent}


def task_worker(args: dict) -> dict:
    """A worker process: engine ticks back to back (as a django-q2 worker does while the
    doorbell keeps ringing), until nothing is due (``until_empty``) or the stop file appears."""
    stop_file = Path(args["stop_file"]) if args.get("stop_file") else None
    deadline = time.time() + args.get("max_seconds", 3600)
    counter = QueryCounter()
    wait_for_go()
    started = time.time()
    if args.get("enable"):
        enable_kinds(args["enable"])
    sent = ticks = 0
    while time.time() < deadline:
        with connection.execute_wrapper(counter):
            report = tick()
        ticks += 1
        sent += report.counts.get("sent", 0)
        if stop_file is not None and stop_file.exists():
            break
        if args.get("until_empty"):
            pending = Delivery.objects.filter(status=Delivery.Status.QUEUED, not_before__lte=timezone.now())
            if not pending.exists() and not Delivery.objects.filter(status=Delivery.Status.SENDING).exists():
                break
        if not any(report.counts.get(name) for name in ("sent", "claimed", "enrolled", "events")):
            time.sleep(0.1)  # idle: the doorbell would wake a real worker
    return {"started": started, "ended": time.time(), "sent": sent, "ticks": ticks, "queries": counter.count}


# -- intake ---------------------------------------------------------------------------------------------


def cart(i: int) -> dict:
    lines = [
        {"product_id": "1", "name": "Stoneware mug", "quantity": 2, "unit_price": "14.90"},
        {"product_id": "2", "name": "Linen apron", "quantity": 1, "unit_price": "32.00"},
    ]
    return {"id": f"cart{i}", "url": f"https://shop.example/cart/{i}/", "currency": "EUR", "lines": lines}


def task_record_event(args: dict) -> dict:
    """``record_event`` against a bare ORM insert of the same Event, in alternating blocks."""
    from django.core.cache import caches
    from django_q.brokers import get_broker

    broker = get_broker()
    broker.purge_queue()
    n, block = args["events"], 50
    stored = record_event("cart_updated", email="warm@bench.example", data=cart(0))  # warm both paths
    Event.objects.create(kind="cart_updated", email="warm2@bench.example", data=stored.data, occurred_at=timezone.now())
    broker.purge_queue()
    for cache in caches.all():
        cache.clear()  # the warm-up's "a doorbell task is waiting" mark went with its task
    counter = QueryCounter()
    recorded, inserted, trips = [], [], []
    for start in range(0, n, block):
        for i in range(start, min(start + block, n)):
            before = counter.count
            t0 = time.perf_counter()
            with connection.execute_wrapper(counter):
                record_event("cart_updated", email=f"r{i}@bench.example", data=cart(i))
            recorded.append(time.perf_counter() - t0)
            trips.append(counter.count - before)
        for i in range(start, min(start + block, n)):
            t0 = time.perf_counter()
            Event.objects.create(
                kind="cart_updated",
                email=f"b{i}@bench.example",
                subject_id=f"cart{i}",
                cart_id=f"cart{i}",
                data=stored.data,
                occurred_at=timezone.now(),
            )
            inserted.append(time.perf_counter() - t0)
    pending = broker.queue_size()
    broker.purge_queue()
    return {
        "events": n,
        "record_ms": statistics.median(recorded) * 1000,
        "insert_ms": statistics.median(inserted) * 1000,
        "round_trips": statistics.mean(trips),
        "pending_tasks": pending,
        "broker": type(broker).__name__,
    }


# -- scans ------------------------------------------------------------------------------------------------


def task_scan(args: dict) -> dict:
    """The wake-up chains switched on over the seeded contacts, the mail server unreachable:
    the enrolling tick (time, peak memory), the next tick, then an idle tick and each scan."""
    enable_kinds(WAKEUPS)
    connection.ensure_connection()
    base_rss = rss_mb()
    can_reset = reset_peak_rss()
    t0 = time.perf_counter()
    first = tick()
    first_seconds = time.perf_counter() - t0
    peak = rss_mb("VmHWM")
    t0 = time.perf_counter()
    second = tick()
    second_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    third = tick()
    third_seconds = time.perf_counter() - t0
    now = timezone.now()
    scans = {}
    for scenario in Scenario.objects.filter(kind__in=WAKEUPS).order_by("kind"):
        t0 = time.perf_counter()
        with transaction.atomic():
            enrolled = scenario.kind_class.scan(scenario, now)
        scans[scenario.kind] = {"ms": (time.perf_counter() - t0) * 1000, "enrolled": enrolled}
    return {
        "contacts": Contact.objects.count(),
        "due": Contact.objects.filter(last_activity_at__lte=now - timedelta(days=90)).count(),
        "first_seconds": first_seconds,
        "first": dict(first.counts),
        "peak_rss_mb": peak,
        "peak_is_tick_only": can_reset,
        "base_rss_mb": base_rss,
        "second_seconds": second_seconds,
        "second": dict(second.counts),
        "idle_seconds": third_seconds,
        "idle": dict(third.counts),
        "scans": scans,
    }


# -- latency ------------------------------------------------------------------------------------------------


def _cart_scenario(delay: timedelta) -> Scenario:
    scenario = Scenario.objects.get(kind="forgotten_cart")
    first = Step.objects.filter(scenario=scenario, enabled=True).order_by("position").first()
    first.delay = delay
    first.save(update_fields=["delay"])
    if not scenario.enabled:
        enable(scenario, now=timezone.now() - timedelta(hours=2))
    return scenario


def task_latency_doorbell(args: dict) -> dict:
    """Carts whose first letter is due at once (a 0-delay step), one every ``spacing`` s; with
    ``run_doorbell`` this process runs the doorbell's task itself right after each event."""
    _cart_scenario(timedelta(0))
    due = {}
    for i in range(args["letters"]):
        email = f"door{args.get('round', 0)}-{i}@bench.example"
        moment = timezone.now()
        record_event("cart_updated", email=email, data=cart(i), occurred_at=moment)
        due[email] = moment.timestamp()
        if args.get("run_doorbell"):
            from wagtail_triggers import tasks

            tasks.process_pending_events()
        time.sleep(args["spacing"])
    return {"due": due}


def task_latency_schedule(args: dict) -> dict:
    """Carts whose first letter (one hour after the cart) falls due over the next ``window``
    seconds, evenly spread: only the scheduled tick can send them."""
    _cart_scenario(timedelta(hours=1))
    due = {}
    start = timezone.now() + timedelta(seconds=5)
    for i in range(args["letters"]):
        email = f"sched-{i}@bench.example"
        moment = start + timedelta(seconds=args["window"] * i / max(args["letters"] - 1, 1))
        record_event("cart_updated", email=email, data=cart(10_000 + i), occurred_at=moment - timedelta(hours=1))
        due[email] = moment.timestamp()
    return {"due": due}


TASKS = {name.removeprefix("task_"): function for name, function in globals().items() if name.startswith("task_")}


if __name__ == "__main__":
    task, raw_args = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    say("RESULT " + json.dumps(TASKS[task](json.loads(raw_args))))
