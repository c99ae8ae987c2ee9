"""The bench harness every app's benchmarks share (`python manage.py bench`).

The command imports `<app>.benchmarks` of each local app and runs its `BENCHMARKS`, a list of
`Benchmark`s, against a database holding a district of 5,000 organisations and 100,000 members
(built by the demo builders, see core/demo.py). A benchmark's `setup(ctx)` prepares what it needs
and returns the function to time, or raises `Skip`. `measure` runs that function repeatedly and
reports the median and 95th percentile wall time, the median time spent in the database (which
counts what triggers do, unlike the query count), the query count and SQL time of the median run
and the peak Python memory of one extra run under tracemalloc (kept apart so that tracemalloc's
overhead does not leak into the times).

An app adds entries in its own module, e.g. in `pledges/benchmarks.py`:

    from core.benchmarks import page
    from orgs.benchmarks import bench_users

    BENCHMARKS = [
        page("pledges branch page", lambda ctx: f"/pledges/org/{bench_users(ctx).branch.pk}/",
             as_user=lambda ctx: bench_users(ctx).secretary),
        page("public board (branch)", lambda ctx: f"/board/{bench_users(ctx).branch.pk}/"),
    ]
"""

import importlib
import importlib.util
import json
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

JSON_KEYS = (
    "name",
    "median_ms",
    "p95_ms",
    "db_ms",
    "queries",
    "peak_mib",
    "rows",
    "ratio_to_sql",
)


class Skip(Exception):
    """Raised by a setup when the benchmark cannot run here; the message says why."""


class _Rollback(Exception):
    """Unwinds the transaction around one run so every repetition sees the same database."""


@dataclass
class Benchmark:
    name: str
    # Prepares and returns the function to time; it returns the rows it handled, or None.
    setup: Callable[["BenchContext"], Callable[[], int | None]]
    target_ms: float | None = None
    repeat: int = 20
    quick_repeat: int = 5
    warmup: int = 1
    # Runs each repetition in a transaction that is rolled back: for anything that writes.
    rollback: bool = False
    # tracemalloc slows Python code about threefold, so weighing a 100,000-row import costs more
    # time than --quick can afford; with False, peak_mib is null in --quick.
    quick_memory: bool = True


@dataclass
class BenchContext:
    """What benchmarks share: the large district, a place for files and a per-run cache."""

    root: Any  # the district's top organisation
    files_dir: Path
    quick: bool = False
    scale: int = 1  # bench --scale: the district is this many times 5,000 organisations
    cache: dict = field(default_factory=dict)

    def client(self, user=None) -> Client:
        """A test client, logged in as `user` (None: an anonymous visitor)."""
        client = Client(raise_request_exception=True)
        if user is not None:
            client.force_login(user)
        return client

    @cached_property
    def superuser(self):
        user, _ = get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
        )
        return user


# --- Measuring ------------------------------------------------------------------------------------


def _run_once(func: Callable[[], int | None], rollback: bool) -> tuple[float, int | None]:
    """Runs func, returns (seconds, rows); with rollback, inside a transaction that is undone."""
    if not rollback:
        started = time.perf_counter()
        rows = func()
        return time.perf_counter() - started, rows
    try:
        with transaction.atomic():
            started = time.perf_counter()
            rows = func()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, rows


class _SqlTimer:
    """Measures the time a run spends in the database.

    `execute_seconds` is the time spent inside `execute`, every run: it includes what triggers do
    for a write, which no statement count shows. On PostgreSQL it covers reads too (psycopg
    fetches the rows within `execute`), but SQLite computes a SELECT while its rows are fetched,
    after `execute` has returned (the captured queries' "time" shows 0.000 for a 30 ms GROUP BY).
    So for the SQL time of the median run, writes are timed as they run and the SELECTs are
    recorded and replayed afterwards, fetching every row.
    """

    def __init__(self):
        self.execute_seconds = 0.0
        self.write_seconds = 0.0
        self.selects: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        select = not many and sql.lstrip()[:6].upper() == "SELECT"
        if select:
            self.selects.append((sql, params))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.execute_seconds += elapsed
            if not select:
                self.write_seconds += elapsed

    def sql_seconds(self) -> float:
        seconds = self.write_seconds
        with connection.cursor() as cursor:
            for sql, params in self.selects:
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                seconds += time.perf_counter() - started
        return seconds


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(
    name: str,
    func: Callable[[], int | None],
    *,
    repeat: int = 5,
    warmup: int = 1,
    rollback: bool = False,
    memory: bool = True,
) -> dict:
    """Times func over `repeat` runs after `warmup` untimed ones; returns a dict of JSON_KEYS.

    db_ms is the median over the runs of the time spent inside the database's `execute` (triggers
    included; SQLite's reads mostly not, see _SqlTimer); queries and ratio_to_sql (wall time / SQL
    time) come from the median run; peak_mib from one more run under tracemalloc (None with
    memory=False); rows is what func returned.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    for _ in range(warmup):
        _run_once(func, rollback)
    runs = []
    for _ in range(repeat):
        sql = _SqlTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(sql):
            seconds, rows = _run_once(func, rollback)
        runs.append((seconds, len(captured), sql, rows))
    runs.sort(key=lambda run: run[0])
    seconds, queries, sql, rows = runs[(len(runs) - 1) // 2]
    sql_seconds = sql.sql_seconds()
    times_ms = [run[0] * 1000 for run in runs]
    median_ms = statistics.median(times_ms)
    db_ms = statistics.median(run[2].execute_seconds * 1000 for run in runs)
    peak_mib = None
    if memory:
        tracemalloc.start()
        try:
            _run_once(func, rollback)
            peak_mib = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        finally:
            tracemalloc.stop()
    return {
        "name": name,
        "median_ms": round(median_ms, 1),
        "p95_ms": round(percentile(times_ms, 0.95), 1),
        "db_ms": round(db_ms, 1),
        "queries": queries,
        "peak_mib": peak_mib,
        "rows": rows,
        "ratio_to_sql": round(median_ms / (sql_seconds * 1000), 2) if sql_seconds else None,
    }


def _reference_workload() -> int:
    rows = [{"name": f"党员{i}", "n": i * 7 % 1000} for i in range(50_000)]
    rows.sort(key=lambda row: (row["n"], row["name"]))
    return sum(len(row["name"]) for row in rows)


def machine_reference_ms(repeat: int = 7) -> float:
    """The median time of a fixed piece of pure Python (dicts, strings, a sort): the speed of this
    machine at this hour. The machines here vary from one day to the next by half; figures of
    different runs compare only after this one (BENCHMARKS.md)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        _reference_workload()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def empty_result(name: str) -> dict:
    return dict.fromkeys(JSON_KEYS) | {"name": name}


def write_json(results: list[dict], path, http: list[dict] | None = None) -> None:
    """Writes the results as a JSON list of objects with exactly the JSON_KEYS; with the rows of
    the HTTP load test (core/loadtest.py), an object {"benchmarks": that list, "http": the rows}.
    """
    rows = [{key: result.get(key) for key in JSON_KEYS} for result in results]
    data = rows if http is None else {"benchmarks": rows, "http": http}
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- Pages ----------------------------------------------------------------------------------------


def page(
    name: str,
    url: Callable[[BenchContext], str],
    *,
    as_user: Callable[[BenchContext], object] | None = None,
    rows: Callable[[BenchContext], int] | None = None,
    target_ms: float | None = 100,
    repeat: int = 30,
    quick_repeat: int = 10,
) -> Benchmark:
    """A GET through the test client, logged in as `as_user(ctx)` (None: anonymous); anything but
    200 fails it."""

    def setup(ctx: BenchContext):
        client = ctx.client(as_user(ctx) if as_user else None)
        path = url(ctx)
        count = rows(ctx) if rows else None

        def get():
            response = client.get(path)
            if response.status_code != 200:
                raise AssertionError(f"GET {path} answered {response.status_code}")
            return count

        return get

    return Benchmark(
        name, setup, target_ms=target_ms, repeat=repeat, quick_repeat=quick_repeat, warmup=2
    )


def collect_benchmarks(attribute: str = "BENCHMARKS") -> list:
    """BENCHMARKS (or another list, e.g. the load test's HTTP_TARGETS) of every local app that has
    a benchmarks module, in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    found = []
    for app in apps.get_app_configs():
        if not Path(app.path).resolve().is_relative_to(base):
            continue
        module_name = f"{app.name}.benchmarks"
        if importlib.util.find_spec(module_name) is None:
            continue
        # core.benchmarks is the harness itself: it has none.
        found.extend(getattr(importlib.import_module(module_name), attribute, []))
    return found


COLUMNS = [
    ("name", "name", "<34"),
    ("median ms", "median_ms", ">10"),
    ("p95 ms", "p95_ms", ">9"),
    ("db ms", "db_ms", ">8"),
    ("queries", "queries", ">8"),
    ("peak MiB", "peak_mib", ">9"),
    ("rows", "rows", ">8"),
    ("ratio", "ratio_to_sql", ">7"),
    ("target", "target_ms", ">10"),
]


def format_table(results: list[dict]) -> str:
    """An aligned text table; each line ends with ok, MISSED (over target) or why it did not run."""

    def cell(key, value):
        if value is None:
            return "" if key == "target_ms" else "-"
        if key == "target_ms":
            return f"< {value:g} ms"
        if key == "ratio_to_sql":
            return f"{value:.2f}"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"

    lines = ["  ".join(f"{title:{align}}" for title, _, align in COLUMNS) + "  status"]
    for result in results:
        cells = [
            f"{cell(key, result.get(key)) if key != 'name' else result['name']:{align}}"
            for _, key, align in COLUMNS
        ]
        lines.append("  ".join(cells) + "  " + result.get("status", ""))
    return "\n".join(lines)
