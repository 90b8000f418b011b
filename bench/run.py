"""The performance benchmark: every figure of the performance issues, each next to its baseline.

    python bench/run.py [--quick] [--redis] [--drain-due 50000] [--contacts 1000000]

PostgreSQL when ``DATABASE_URL`` is set (``postgres://…``), SQLite otherwise. The benchmark
creates its own throwaway databases (``bench_triggers_<pid>…``, or files in a temporary
directory), a loopback SMTP server, and the processes it measures; it drops them all at the
end. ``--quick`` is a smoke run with tiny numbers (CI runs it; nothing is asserted on time).

Prints one Markdown table: the figure, this run's value, the baseline measured in the same run,
the ratio, and the goal. ``docs/performance.md`` explains each row and holds one full run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.databases import Databases  # noqa: E402
from bench.smtp_sink import SinkServer  # noqa: E402
from tests.smtp_server import free_port  # noqa: E402

WAKEUPS = ["wakeup_90", "wakeup_180", "wakeup_360"]


@dataclass
class Sizes:
    delivery: int = 2_000
    many: int = 10_000
    events: int = 1_000
    contacts: int = 1_000_000
    drain_due: int = 50_000
    drain_seconds: float = 600
    scan_seconds: float = 600
    drain_contacts: int = 0  # 0: the scan's --contacts
    run_seconds: float = 900
    doorbell_letters: int = 10
    schedule_letters: int = 15
    schedule_window: float = 60  # one whole minute of the schedule
    render_recipients: int = 150


# Command-line options and the size each one sets.
OPTION_SIZES = {
    "drain_due": "drain_due",
    "contacts": "contacts",
    "letters": "delivery",
    "many": "many",
    "seconds": "run_seconds",
    "drain_seconds": "drain_seconds",
    "scan_seconds": "scan_seconds",
    "events": "events",
    "drain_contacts": "drain_contacts",
}


QUICK = Sizes(
    delivery=30,
    many=30,
    events=30,
    contacts=400,
    drain_due=20,
    drain_seconds=30,
    scan_seconds=60,
    run_seconds=60,
    doorbell_letters=3,
    schedule_letters=0,
    schedule_window=0,
    render_recipients=10,
)


@dataclass
class Row:
    figure: str
    value: str
    baseline: str = "—"
    ratio: str = "—"
    goal: str = "—"


class BenchError(RuntimeError):
    pass


class BenchTimeout(BenchError):
    pass


# -- processes ------------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.sizes = QUICK if args.quick else Sizes()
        for option, size in OPTION_SIZES.items():  # options given override the sizes
            if getattr(args, option):
                setattr(self.sizes, size, getattr(args, option))
        self.prepared: dict[int, str] = {}  # letters → a database where they wait QUEUED
        self.dbs = Databases(os.environ.get("DATABASE_URL"))
        self.server = SinkServer().start()
        self.sink = self.server.sink
        self.closed_port = free_port()  # nobody listens: the mail server is unreachable
        self.logs = Path(tempfile.mkdtemp(prefix="bench_triggers_logs_"))
        self.rows: list[Row] = []
        self.raw: dict[int, float] = {}  # letters/s of raw send_messages by sender processes
        self.raw_by_size: dict[tuple[int, int], float] = {}

    def env(self, database: str, *, smtp: bool = True, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_DATABASE_URL": self.dbs.url(database),
            "BENCH_SMTP_PORT": str(self.server.port if smtp else self.closed_port),
            "BENCH_RUN": str(os.getpid()),
            "BENCH_REDIS": "1" if self.args.redis else "0",
            **extra,
        }
        env.pop("DATABASE_URL", None)  # only BENCH_DATABASE_URL counts in the children
        return env

    def start(self, task: str, args: dict, database: str, **env: Any) -> Child:
        return Child(task, args, self.env(database, **env), self.logs)

    def run(self, task: str, args: dict, database: str, **env: Any) -> dict:
        child = self.start(task, args, database, **env)
        return child.result()

    def together(self, children: list[Child]) -> float:
        """Wait until every child is READY, then GO all; returns the moment of GO."""
        for child in children:
            child.wait_ready()
        self.sink.clear()
        started = time.time()
        for child in children:
            child.go()
        return started

    def wait_for_letters(self, count: int, seconds: float, *, alive: list[Child] | None = None) -> None:
        deadline = time.time() + seconds
        while self.sink.count() < count and time.time() < deadline:
            if alive and all(child.proc.poll() is not None for child in alive):
                return
            time.sleep(0.05)

    def arrivals_rate(self, started: float, expected: int) -> tuple[float, int, float]:
        """(letters/s, letters, seconds): from ``started`` to the last acceptance."""
        arrivals = self.sink.snapshot()
        if not arrivals:
            return 0.0, 0, 0.0
        last = max(arrival.at for arrival in arrivals[:expected])
        seconds = max(last - started, 1e-6)
        count = min(len(arrivals), expected)
        return count / seconds, count, seconds

    def exactly_once(self, expected: int) -> str:
        copies = self.sink.copies()
        duplicates = sum(n - 1 for n in copies.values() if n > 1)
        if duplicates:
            return f"NOT exactly once: {duplicates} duplicates among {len(copies):,} Message-IDs"
        if len(copies) < expected:
            return f"no duplicates among {len(copies):,} Message-IDs (not all sent in time)"
        return f"exactly once ({len(copies):,} Message-IDs, no duplicates)"

    # -- phases -------------------------------------------------------------------------------

    def prepare(self, letters: int) -> str:
        """A database copy where ``letters`` first wake-up letters (of as many contacts, all
        absent 91–500 days, ``wakeup_90`` on) wait QUEUED: made once per size, then copied."""
        if letters in self.prepared:
            return self.prepared[letters]
        name = self.dbs.name(f"prep_{letters}")
        self.dbs.copy(self.dbs.name("base"), name)
        result = self.run(
            "seed",
            {"contacts": letters, "every": 1, "prepare": True, "kinds": ["wakeup_90"]},
            name,
            smtp=False,
        )
        if result["queued"] < letters:
            raise BenchError(f"preparing {letters} letters: only {result['queued']} were queued")
        self.prepared[letters] = name
        return name

    def raw_rate(self, letters: int, senders: int) -> float:
        """Raw ``send_messages`` of ``letters`` prebuilt messages by ``senders`` processes."""
        if (letters, senders) in self.raw_by_size:
            return self.raw_by_size[letters, senders]
        share = letters // senders
        arguments = {"count": share, "max_seconds": self.sizes.run_seconds}
        children = [
            self.start("raw", {**arguments, "offset": i * share}, self.dbs.name("base"), smtp=True)
            for i in range(senders)
        ]
        started = self.together(children)
        sent = sum(child.result()["sent"] for child in children)
        rate, count, _seconds = self.arrivals_rate(started, share * senders)
        if count < sent:
            raise BenchError(f"raw send_messages: {count} of {sent} letters arrived")
        self.raw[senders] = self.raw_by_size[letters, senders] = rate
        return rate

    def engine_rate(self, prepared: str, letters: int, workers: int) -> tuple[float, int, list[dict]]:
        run = self.dbs.name("run")
        self.dbs.copy(prepared, run)
        children = [
            self.start("worker", {"until_empty": True, "max_seconds": self.sizes.run_seconds}, run)
            for _ in range(workers)
        ]
        started = self.together(children)
        results = [child.result() for child in children]
        rate, count, _seconds = self.arrivals_rate(started, letters)
        self.dbs.drop(run)
        return rate, count, results

    def delivery(self) -> None:
        n = self.sizes.delivery
        prepared = self.prepare(n)
        raw = self.raw_rate(n, 1)
        rate, count, results = self.engine_rate(prepared, n, 1)
        self.rows.append(
            Row(
                f"delivery, one worker, {n:,} letters",
                f"{rate:.1f} letters/s{sent_note(count, n)}",
                f"raw `send_messages`, one connection: {raw:.1f}/s",
                percent(rate, raw),
                "≥ 80 % of raw",
            )
        )
        queries = results[0]["queries"] / max(results[0]["sent"], 1)
        queries_row = Row(
            "queries per letter sent",
            f"{queries:.2f} ({results[0]['queries']:,} statements for {results[0]['sent']:,} letters, "
            f"{results[0]['ticks']} tick{'s' if results[0]['ticks'] != 1 else ''})",
            "—",
            "—",
            "≤ 2 per letter amortised",
        )
        # manage.py triggers_tick, one process per tick, until everything is sent.
        run = self.dbs.name("run")
        self.dbs.copy(prepared, run)
        self.sink.clear()
        started, ticks = time.time(), 0
        idle = 0
        while self.sink.count() < n and time.time() - started < self.sizes.run_seconds and idle < 2:
            output = subprocess.run(
                [sys.executable, "-m", "django", "triggers_tick"],
                env=self.env(run),
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            ticks += 1
            sent = re.search(r"\bsent=(\d+)", output)
            idle = idle + 1 if not sent or sent.group(1) == "0" else 0
        rate, count, _seconds = self.arrivals_rate(started, n)
        self.dbs.drop(run)
        self.rows.append(
            Row(
                "delivery, `manage.py triggers_tick` repeated",
                f"{rate:.1f} letters/s ({ticks} command{'s' if ticks != 1 else ''}){sent_note(count, n)}",
                f"same raw: {raw:.1f}/s",
                percent(rate, raw),
                "≥ 70 % of raw",
            )
        )
        self.rows.append(queries_row)

    def many(self) -> None:
        n = self.sizes.many
        prepared = self.prepare(n)
        for workers in (1, 2):
            raw = self.raw_rate(n, workers)
            rate, count, _results = self.engine_rate(prepared, n, workers)
            once = self.exactly_once(n)
            self.rows.append(
                Row(
                    f"{n:,} letters, {workers} worker process{'es' if workers > 1 else ''}",
                    f"{rate:.1f} letters/s{sent_note(count, n)}; {once}",
                    f"raw, {workers} sender process{'es' if workers > 1 else ''}: {raw:.1f}/s",
                    percent(rate, raw),
                    "≥ 70 % of raw; exactly once",
                )
            )

    def intake(self) -> None:
        name = self.dbs.name("events")
        self.dbs.copy(self.dbs.name("base"), name)
        r = self.run("record_event", {"events": self.sizes.events}, name)
        self.dbs.drop(name)
        self.rows.append(
            Row(
                "`record_event` (cart_updated)",
                f"{r['record_ms']:.2f} ms, {r['round_trips']:.1f} SQL round trips",
                f"bare ORM insert of the Event: {r['insert_ms']:.2f} ms, 1 round trip",
                f"{r['record_ms'] / r['insert_ms']:.2f}×",
                "≤ 1.3× one insert",
            )
        )
        self.rows.append(
            Row(
                f'pending "process events" tasks after a burst of {r["events"]:,} events',
                f"{r['pending_tasks']:,} ({r['broker']})",
                goal="≤ 1",
            )
        )

    def seeded(self, contacts: int) -> str:
        """A database of ``contacts`` contacts, 5 % of them (``--drain-due`` of the full
        population) absent 91–500 days; made once per size."""
        name = self.dbs.name(f"seeded_{contacts}")
        due = max(self.sizes.drain_due * contacts // self.sizes.contacts, 1)
        if name in self.dbs.made:
            return name
        if self.args.seeded and contacts == self.sizes.contacts:  # seeded earlier by `bench/work.py seed`
            self.dbs.copy_external(self.args.seeded, name)
        else:
            self.dbs.copy(self.dbs.name("base"), name)
            self.run("seed", {"contacts": contacts, "every": max(contacts // due, 1)}, name)
        return name

    def scan(self) -> None:
        seeded = self.seeded(self.sizes.contacts)
        run = self.dbs.name("run")
        self.dbs.copy(seeded, run)
        try:
            r = self.start("scan", {}, run, smtp=False).result(timeout=self.sizes.scan_seconds)
        except BenchTimeout:
            self.rows.append(
                Row(
                    f"inactivity scan: the enrolling tick ({self.sizes.contacts:,} contacts, "
                    f"{self.sizes.drain_due:,} due; mail server unreachable)",
                    f"did not finish within {self.sizes.scan_seconds:.0f} s (stopped); the next and idle ticks "
                    "were not measured",
                    goal="≤ 10 s and ≤ 300 MB; every due contact enrolled",
                )
            )
            return
        finally:
            self.dbs.drop(run)
        scale = f"{r['contacts']:,} contacts, {r['due']:,} due"
        first = r["first"]
        self.rows.append(
            Row(
                f"inactivity scan: the enrolling tick ({scale}; mail server unreachable)",
                f"{r['first_seconds']:.2f} s, peak RSS {r['peak_rss_mb']:.0f} MB "
                f"(process at start {r['base_rss_mb']:.0f} MB); enrolled {first.get('enrolled', 0):,}, "
                f"claimed {first.get('claimed', 0):,}",
                goal="≤ 10 s and ≤ 300 MB; every due contact enrolled",
            )
        )
        second = r["second"]
        self.rows.append(
            Row(
                "inactivity scan: the next tick",
                f"{r['second_seconds']:.2f} s (enrolled {second.get('enrolled', 0):,}, "
                f"claimed {second.get('claimed', 0):,})",
                goal="≤ 1 s",
            )
        )
        scans = ", ".join(f"{kind} {v['ms']:.0f} ms ({v['enrolled']} enrolled)" for kind, v in r["scans"].items())
        idle = r["idle"]
        self.rows.append(
            Row(
                "idle tick and idle scans (nothing new due)",
                f"tick {r['idle_seconds']:.2f} s (enrolled {idle.get('enrolled', 0):,}); scans: {scans}",
                goal="flat as contacts grow (set-based, by index)",
            )
        )

    def drain(self) -> None:
        contacts = self.sizes.drain_contacts or self.sizes.contacts
        seeded = self.seeded(contacts)
        due = max(self.sizes.drain_due * contacts // self.sizes.contacts, 1)
        stop = self.logs / "stop"
        for workers in (1, 2):
            run = self.dbs.name("run")
            self.dbs.copy(seeded, run)
            stop.unlink(missing_ok=True)
            children = [
                self.start(
                    "worker",
                    {
                        "stop_file": str(stop),
                        "enable": WAKEUPS if i == 0 else None,
                        "max_seconds": self.sizes.drain_seconds + 60,
                    },
                    run,
                )
                for i in range(workers)
            ]
            released = self.together(children)
            self.wait_for_letters(due, self.sizes.drain_seconds, alive=children)
            stop.touch()
            results = []
            for child in children:  # a tick in the middle of a long scan is not waited for
                try:
                    results.append(child.result(timeout=60))
                except BenchTimeout:
                    results.append(None)
            # From switching the chains on (worker 0 stamps it); GO if it never reported.
            enabled_at = results[0]["started"] if results[0] else released
            rate, count, seconds = self.arrivals_rate(enabled_at, due)
            self.dbs.drop(run)
            raw = self.raw.get(workers)
            finished = "all" if count >= due else f"stopped after {self.sizes.drain_seconds:.0f} s with"
            self.rows.append(
                Row(
                    f"drain: {due:,} first wake-up letters of {contacts:,} contacts, "
                    f"{workers} worker process{'es' if workers > 1 else ''}",
                    f"{seconds:.1f} s from enabling to the last acceptance, {finished} {count:,} letters: "
                    f"{rate:.1f} letters/s",
                    f"raw, {workers} sender process{'es' if workers > 1 else ''}: {raw:.1f}/s" if raw else "—",
                    percent(rate, raw) if raw else "—",
                    "≥ 70 % of raw",
                )
            )

    def latency(self) -> None:
        name = self.dbs.name("latency")
        self.dbs.copy(self.dbs.name("base"), name)
        sizes = self.sizes
        if self.args.quick:  # no cluster: the doorbell's task run in the recording process
            self.sink.clear()
            r = self.run(
                "latency_doorbell",
                {"letters": sizes.doorbell_letters, "spacing": 0.2, "run_doorbell": True},
                name,
                BENCH_ENQUEUE="0",
            )
            self.wait_for_letters(len(r["due"]), 10)
            self.rows.append(
                latency_row(
                    "latency due → SMTP, 0-delay step, the doorbell's task run in-process (no qcluster)",
                    r["due"],
                    self.sink.snapshot(),
                    "p95 ≤ 5 s",
                )
            )
            self.rows.append(
                Row("latency due → SMTP with qcluster and the default schedule", "skipped (--quick)", goal="p95 ≤ 60 s")
            )
            self.dbs.drop(name)
            return
        cluster = QCluster(self.env(name), self.logs)
        try:
            cluster.wait_running()
            self.sink.clear()
            r = self.run("latency_doorbell", {"letters": sizes.doorbell_letters, "spacing": 1.0}, name)
            self.wait_for_letters(len(r["due"]), 120)
            broker = "Redis" if self.args.redis else "ORM broker"
            self.rows.append(
                latency_row(
                    f"latency due → SMTP, 0-delay step, doorbell (qcluster, {broker})",
                    r["due"],
                    self.sink.snapshot(),
                    "p95 ≤ 5 s",
                )
            )
            self.sink.clear()
            r = self.run("latency_schedule", {"letters": sizes.schedule_letters, "window": sizes.schedule_window}, name)
            last_due = max(r["due"].values())
            self.wait_for_letters(len(r["due"]), last_due - time.time() + 100)
            self.rows.append(
                latency_row(
                    f"latency due → SMTP, default schedule (qcluster, {broker}; 1-hour step)",
                    r["due"],
                    self.sink.snapshot(),
                    "p95 ≤ 60 s",
                )
            )
        finally:
            cluster.stop()
            self.dbs.drop(name)

    def render(self) -> None:
        output = subprocess.run(
            [sys.executable, str(HERE / "render_letters.py"), "--recipients", str(self.sizes.render_recipients)],
            env=self.env(self.dbs.name("base")),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        naive = re.search(r"naive .*?median ([\d.]+) ms", output)
        fast = re.search(r"compiled .*?median ([\d.]+) ms", output)
        if not (naive and fast):
            raise BenchError(f"bench/render_letters.py printed no medians:\n{output}")
        self.rows.append(
            Row(
                "render per letter (bench/render_letters.py)",
                f"{float(fast.group(1)):.3f} ms",
                f"naive MJML + premailer per recipient: {float(naive.group(1)):.3f} ms",
                f"{float(naive.group(1)) / float(fast.group(1)):.0f}× faster",
                "≥ 15× and ≤ 0.5 ms",
            )
        )

    # -- the whole run --------------------------------------------------------------------------

    def main(self) -> int:
        started = time.time()
        postgres = self.dbs.postgres
        skipped: list[Row] = []
        try:
            base = self.dbs.name("base")
            if self.args.base:  # a database migrated (and provisioned) earlier: copy it
                self.dbs.copy_external(self.args.base, base)
            else:
                self.dbs.create(base)
                self.run("migrate", {}, base)
            phases = [self.delivery, self.many, self.intake]
            if postgres or self.args.quick:
                phases += [self.scan, self.drain]
            else:
                for figure in ("inactivity scan at a million contacts", "drain of the first wake-up letters"):
                    skipped.append(Row(figure, "PostgreSQL only: set DATABASE_URL=postgres://…"))
            phases += [self.latency, self.render]
            for phase in phases:
                phase_started = time.time()
                phase()
                print(f"# {phase.__name__}: {time.time() - phase_started:.0f} s", file=sys.stderr, flush=True)
        except BaseException:
            print(f"bench/run.py failed; the processes' logs are in {self.logs}", file=sys.stderr)
            raise
        else:
            shutil.rmtree(self.logs, ignore_errors=True)
        finally:
            self.server.stop()
            self.dbs.drop_all()
        self.rows.extend(skipped)
        print(self.header(time.time() - started))
        print(table(self.rows))
        return 0

    def header(self, seconds: float) -> str:
        import django

        commit = (
            subprocess.run(
                ["git", "log", "-1", "--format=%h %cI %s"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
            or "a tree outside git"
        )
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        return (
            f"{'Quick smoke run' if self.args.quick else 'Benchmark'} of wagtail-triggers at {commit[:60]}\n"
            f"{self.dbs.describe()}; django-q2 {'Redis' if self.args.redis else 'ORM'} broker; "
            f"Python {platform.python_version()}, Django {django.get_version()}; "
            f"{os.cpu_count()} cores, load average {load}; took {seconds:.0f} s\n"
        )


class Child:
    """One ``bench/work.py`` process; its stderr goes to a log shown when it fails."""

    def __init__(self, task: str, args: dict, env: dict[str, str], logs: Path) -> None:
        self.task = task
        self.log = logs / f"{task}-{time.monotonic_ns()}.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "work.py"), task, json.dumps(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
            env=env,
            cwd=ROOT,
        )

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            tail = self.log.read_text()[-3000:]
            raise BenchError(f"bench/work.py {self.task} exited with {self.proc.returncode}:\n{tail}")
        return line.strip()

    def wait_ready(self) -> None:
        while self._line() != "READY":
            pass

    def go(self) -> None:
        self.proc.stdin.write("GO\n")
        self.proc.stdin.flush()

    def result(self, timeout: float | None = None) -> dict:
        """The task's result; after ``timeout`` seconds the process is killed (BenchTimeout)."""
        timer = threading.Timer(timeout, self.proc.kill) if timeout else None
        if timer is not None:
            timer.start()
        try:
            while True:
                try:
                    line = self._line()
                except BenchError:
                    if timer is not None and not timer.is_alive():
                        raise BenchTimeout(f"bench/work.py {self.task} took more than {timeout:.0f} s") from None
                    raise
                if line.startswith("RESULT "):
                    self.proc.wait()
                    return json.loads(line.removeprefix("RESULT "))
        finally:
            if timer is not None:
                timer.cancel()


class QCluster:
    """A real ``manage.py qcluster`` (django-q2) on the benchmark database, in its own session."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.log = logs / "qcluster.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "django", "qcluster"],
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )

    def wait_running(self, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"qcluster exited:\n{self.log.read_text()[-3000:]}")
            if "running" in self.log.read_text():
                return
            time.sleep(0.2)
        raise BenchError(f"qcluster did not start in {seconds:.0f} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# -- formatting -------------------------------------------------------------------------------------


def sent_note(count: int, expected: int) -> str:
    """Said only when a run was stopped by its time limit before every letter went out."""
    return "" if count >= expected else f" (stopped by the time limit: {count:,} of {expected:,} sent)"


def percent(value: float, baseline: float) -> str:
    return f"{100 * value / baseline:.0f} % of raw" if baseline else "—"


def latency_row(figure: str, due: dict[str, float], arrivals: list, goal: str) -> Row:
    arrived = {}
    for arrival in arrivals:
        for address in arrival.recipients:
            arrived.setdefault(address, arrival.at)
    waits = sorted(arrived[email] - at for email, at in due.items() if email in arrived)
    if not waits:
        return Row(figure, f"no letter arrived (0 of {len(due)})", goal=goal)
    p95 = waits[min(len(waits) - 1, max(0, round(0.95 * len(waits)) - 1))]
    return Row(
        figure,
        f"p95 {p95:.1f} s, p50 {statistics.median(waits):.1f} s, max {waits[-1]:.1f} s "
        f"({len(waits)} of {len(due)} letters)",
        goal=goal,
    )


def table(rows: list[Row]) -> str:
    lines = ["| figure | this run | baseline in the same run | ratio | goal |", "|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.value} | {r.baseline} | {r.ratio} | {r.goal} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with tiny numbers (CI)")
    parser.add_argument("--redis", action="store_true", help="django-q2 on Redis (127.0.0.1:6379) instead of the ORM")
    parser.add_argument("--drain-due", type=int, help="contacts due for a wake-up in the drain (default 50,000)")
    parser.add_argument("--contacts", type=int, help="contacts in the scan and drain database (default 1,000,000)")
    parser.add_argument("--letters", type=int, help="letters of the one-worker delivery runs (default 2,000)")
    parser.add_argument("--many", type=int, help="letters of the 1- and 2-worker runs (default 10,000)")
    parser.add_argument("--seconds", type=float, help="stop each timed sending run after this long (default 900)")
    parser.add_argument("--drain-seconds", type=float, help="stop each drain after this long (default 600)")
    parser.add_argument("--scan-seconds", type=float, help="stop the scan measurement after this long (default 600)")
    parser.add_argument(
        "--drain-contacts",
        type=int,
        help="contacts of the drain's database (default: --contacts), 5 %% of them due (--drain-due scaled)",
    )
    parser.add_argument("--events", type=int, help="record_event calls, and as many bare inserts (default 1,000)")
    parser.add_argument(
        "--base",
        help="start from a copy of this database (PostgreSQL name or SQLite path) made by "
        "`bench/work.py migrate` with the current migrations, instead of migrating a new one",
    )
    parser.add_argument(
        "--seeded",
        help="take the scan and drain database from a copy of this one (the --base database after "
        '`bench/work.py seed \'{"contacts": 1000000, "every": 20}\'`) instead of seeding it',
    )
    args = parser.parse_args()
    return Bench(args).main()


if __name__ == "__main__":
    sys.exit(main())
