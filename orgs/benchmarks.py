"""Benchmarks of the organisation tree and rosters, and the harness every app's benchmarks share.

`python manage.py bench` imports `<app>.benchmarks` of each local app and runs its `BENCHMARKS`, a
list of `Benchmark`s, against a database holding a district of 5,000 organisations and 100,000
members (see `orgs.demo.build_large_district`). A benchmark's `setup(ctx)` prepares what it needs
and returns the function to time, or raises `Skip`. `measure` runs that function repeatedly and
reports the median and 95th percentile wall time, the query count and SQL time of the median run
and the peak Python memory of one extra run under tracemalloc (kept apart so that tracemalloc's
overhead does not leak into the times).

Later apps add entries in their own module, e.g. in `pledges/benchmarks.py`:

    from orgs.benchmarks import Benchmark, page, bench_users

    BENCHMARKS = [
        page("pledge board (branch)", lambda ctx: f"/pledges/{bench_users(ctx).branch.pk}/",
             as_user=lambda ctx: bench_users(ctx).secretary),
    ]
"""

import hashlib
import json
import math
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .demo import People, large_tree
from .models import Member, MemberCategory, Organization, OrgKind, Role, RoleKind, Sector

JSON_KEYS = ("name", "median_ms", "p95_ms", "queries", "peak_mib", "rows", "ratio_to_sql")


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

    root: Organization
    files_dir: Path
    quick: bool = False
    cache: dict = field(default_factory=dict)

    def client(self, user) -> Client:
        client = Client(raise_request_exception=True)
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

    Timing `execute` is not enough: SQLite computes a SELECT while its rows are fetched, after
    `execute` has returned (the captured queries' "time" shows 0.000 for a 30 ms GROUP BY). So
    writes are timed as they run, and the SELECTs are recorded and replayed afterwards, fetching
    every row, when the run's SQL time is wanted.
    """

    def __init__(self):
        self.write_seconds = 0.0
        self.selects: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip()[:6].upper() == "SELECT":
            self.selects.append((sql, params))
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.write_seconds += time.perf_counter() - started

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

    queries and ratio_to_sql (wall time / SQL time) come from the median run; peak_mib from one
    more run under tracemalloc (None with memory=False); rows is what func returned.
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
        "queries": queries,
        "peak_mib": peak_mib,
        "rows": rows,
        "ratio_to_sql": round(median_ms / (sql_seconds * 1000), 2) if sql_seconds else None,
    }


def empty_result(name: str) -> dict:
    return dict.fromkeys(JSON_KEYS) | {"name": name}


def write_json(results: list[dict], path) -> None:
    """Writes the results as a JSON list of objects with exactly the JSON_KEYS."""
    rows = [{key: result.get(key) for key in JSON_KEYS} for result in results]
    Path(path).write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- Pages ----------------------------------------------------------------------------------------


def page(
    name: str,
    url: Callable[[BenchContext], str],
    *,
    as_user: Callable[[BenchContext], object],
    rows: Callable[[BenchContext], int] | None = None,
    target_ms: float | None = 100,
    repeat: int = 30,
    quick_repeat: int = 10,
) -> Benchmark:
    """A GET through the test client, logged in as `as_user(ctx)`; anything but 200 fails it."""

    def setup(ctx: BenchContext):
        client = ctx.client(as_user(ctx))
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


def bench_users(ctx: BenchContext) -> SimpleNamespace:
    """The places and people page benchmarks use, made once per database and cached.

    office: office role on the root; secretary: secretary of a community branch of a street
    (`town`, `branch`).
    """
    if "orgs.users" not in ctx.cache:
        root = ctx.root
        towns = list(Organization.objects.filter(path__startswith=root.path, depth=2))
        town = next((t for t in towns if t.kind == OrgKind.WORKING_COMMITTEE), towns[0])
        branch = (
            Organization.objects.within(town)
            .filter(kind=OrgKind.BRANCH, sector=town.sector)
            .order_by("path")
            .first()
        )
        ctx.cache["orgs.users"] = SimpleNamespace(
            root=root,
            town=town,
            branch=branch,
            office=_user_with_role("bench-office", root, RoleKind.OFFICE),
            secretary=_user_with_role("bench-secretary", branch, RoleKind.SECRETARY),
        )
    return ctx.cache["orgs.users"]


def _user_with_role(username: str, org: Organization, kind: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    Role.objects.get_or_create(user=user, organization=org, kind=kind)
    return user


# --- Imports --------------------------------------------------------------------------------------

IMPORT_FORMAT = 2  # bump when the generated files change, so that stale ones are not reused
BENCH_SURNAMES = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙"]
KIND_LABELS = dict(OrgKind.choices)
SECTOR_LABELS = dict(Sector.choices)


def _importer(function: str):
    try:
        from . import importing
    except ImportError as error:
        raise Skip(f"orgs.importing is not importable ({error})") from None
    if not hasattr(importing, function):
        raise Skip(f"orgs.importing has no {function}()")
    return getattr(importing, function)


def _write_xlsx(path: Path, header: list[str], rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    workbook.save(partial)
    partial.replace(path)


def _cached_file(ctx: BenchContext, stem: str, key: str, header: list[str], rows) -> bytes:
    """The xlsx for these rows under files_dir, written once and reused while `key` matches."""
    digest = hashlib.sha1(f"{IMPORT_FORMAT}:{key}".encode()).hexdigest()[:10]
    path = ctx.files_dir / f"{stem}-{digest}.xlsx"
    if not path.exists():
        _write_xlsx(path, header, rows())
    return path.read_bytes()


def _full_names(root: Organization) -> dict[str, str]:
    """Path → 测试区委/某某镇党委/某某村党支部 for every organisation under root, in one query."""
    names = dict(Organization.objects.within(root).values_list("path", "name"))
    step = Organization.steplen
    return {
        path: "/".join(names[path[:end]] for end in range(step, len(path) + 1, step))
        for path in names
    }


def _tree_rows(ctx: BenchContext, size: int) -> list[tuple[str, str, str]]:
    """`size` rows of a new tree under the existing root: root row, then towns renamed 新….

    The root row is unchanged; every other row is a new organisation.
    """
    spec, _ = large_tree(size, random.Random(1))
    spec.name = ctx.root.name
    for town in spec.children:
        town.name = "新" + town.name
    rows = []

    def walk(node, prefix):
        path = f"{prefix}/{node.name}" if prefix else node.name
        rows.append((path, str(KIND_LABELS[node.kind]), str(SECTOR_LABELS.get(node.sector, ""))))
        for child in node.children:
            walk(child, path)

    walk(spec, "")
    return rows


def tree_import_setup(ctx: BenchContext):
    import_tree = _importer("import_tree")
    size = Organization.objects.within(ctx.root).count()
    rows = _tree_rows(ctx, size)
    key = "\n".join("\t".join(row) for row in rows)
    content = _cached_file(ctx, f"tree-{size}", key, ["组织路径", "组织类型", "领域"], lambda: rows)
    by = ctx.superuser

    def run():
        result = import_tree(SimpleUploadedFile("tree.xlsx", content), by=by)
        _check_import(result, expected_created=size - 1)
        return sum(_count(getattr(result, key, 0)) for key in ("created", "updated", "unchanged"))

    return run


def member_import_setup(ctx: BenchContext):
    import_members = _importer("import_members")
    size = Member.objects.within(ctx.root).count()
    full_names = _full_names(ctx.root)
    branches = sorted(
        full_names[path]
        for path in Organization.objects.within(ctx.root)
        .filter(kind=OrgKind.BRANCH)
        .values_list("path", flat=True)
    )
    header = ["姓名", "性别", "出生日期", "入党时间", "所在党支部", "岗位类别", "联系电话"]
    content = _cached_file(
        ctx,
        f"members-{size}",
        f"{size}\n" + "\n".join(branches),
        header,
        lambda: _member_rows(size, branches),
    )
    by = ctx.superuser

    def run():
        result = import_members(SimpleUploadedFile("members.xlsx", content), by=by)
        _check_import(result, expected_created=size)
        return _count(result.created)

    return run


def _member_rows(size: int, branches: list[str]):
    """Rows that are all new members: the generator never makes compound surnames (欧阳…), and the
    importer knows a member by name and birth date."""
    rng = random.Random(2)
    people = People(rng)
    labels = dict(MemberCategory.choices)
    seen = set()  # the importer refuses two rows with the same name and birth date
    for i in range(size):
        member = people.member(0, "", "")
        name = rng.choice(BENCH_SURNAMES) + member.name[1:]
        while (name, member.birth_date) in seen:
            name = rng.choice(BENCH_SURNAMES) + people.name(member.gender)[1:]
        seen.add((name, member.birth_date))
        category = rng.choice(
            [MemberCategory.COMMUNITY, MemberCategory.GOVERNMENT, MemberCategory.ENTERPRISE]
        )
        yield (
            name,
            "男" if member.gender == "M" else "女",
            member.birth_date,
            member.join_date,
            branches[i % len(branches)],
            str(labels[category]),
            f"145{i:08d}",
        )


def _count(value) -> int:
    """ImportResult may count rows or list them."""
    return value if isinstance(value, int) else len(value)


def _check_import(result, *, expected_created: int) -> None:
    """A benchmark of an import that refused its rows would measure nothing: fail it instead."""
    errors = list(getattr(result, "errors", []) or [])
    if errors:
        shown = "; ".join(str(error) for error in errors[:3])
        raise AssertionError(f"the import reported {len(errors)} errors: {shown}")
    created = _count(result.created)
    if created != expected_created:
        raise AssertionError(f"expected {expected_created} new rows, the import created {created}")


BENCHMARKS = [
    page(
        "tree page (district)",
        lambda ctx: "/orgs/",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: 1 + ctx.root.numchild,
    ),
    page(
        "tree children (town)",
        lambda ctx: f"/orgs/{bench_users(ctx).town.pk}/children/",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: bench_users(ctx).town.numchild,
    ),
    page(
        "roster page (branch)",
        lambda ctx: f"/orgs/{bench_users(ctx).branch.pk}/members/",
        as_user=lambda ctx: bench_users(ctx).secretary,
        rows=lambda ctx: min(50, bench_users(ctx).branch.members.active().count()),
    ),
    # Not a target of its own: the same view as the branch roster over 100,000 members, to show
    # whether the roster's cost grows with the subtree.
    page(
        "roster page (district)",
        lambda ctx: f"/orgs/{ctx.root.pk}/members/",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: 50,
        target_ms=None,
    ),
    Benchmark(
        "tree import (5,000 orgs)",
        tree_import_setup,
        target_ms=2000,
        repeat=3,
        quick_repeat=1,
        warmup=0,
        rollback=True,
    ),
    Benchmark(
        "roster import (100,000 members)",
        member_import_setup,
        target_ms=10000,
        repeat=3,
        quick_repeat=1,
        warmup=0,
        rollback=True,
        quick_memory=False,
    ),
]
