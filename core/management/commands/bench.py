"""python manage.py bench [--quick] [--json PATH] [--rebuild] [-k NAME] [--http] [--scale N]

Measures pages and operations against a district of 5,000 organisations and 100,000 members (N
times as many with --scale N), in a database of its own: the test database of the configured
engine (PostgreSQL `<name>_bench`, `<name>_bench_x5` at --scale 5, when DATABASE_URL is set, else
SQLite `VAR_DIR/bench.sqlite3`, `bench-x5.sqlite3`), so the developer's data is never touched.
The data is kept between runs and rebuilt only when its counts are wrong or with --rebuild.
Before measuring, every app's `DATA` builders (`<app>/benchmarks.py`) make what their benchmarks
read — pledges of three years with progress, reviews, rounds with answers, rectifications — and
the time the whole generation took is printed.

Each app may add entries in `<app>/benchmarks.py` (harness: core/benchmarks.py). The command
reports; it never fails because a target was missed, only when a benchmark itself breaks.

With --http it then serves the same database with gunicorn and runs wrk against the apps'
HTTP_TARGETS (core/loadtest.py); without wrk that part is skipped with a message. -k selects
HTTP targets by name too.
"""

import logging
import time
import traceback
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings

from core import demo, loadtest
from core.benchmarks import (
    BenchContext,
    Benchmark,
    Skip,
    collect_benchmarks,
    empty_result,
    format_table,
    machine_reference_ms,
    measure,
    write_json,
)

ORGS = 5000
MEMBERS = 100_000


def settle() -> None:
    """Clears what earlier benchmarks left dead (an import rewrites 100,000 rows and thousands of
    counter rows) as autovacuum would within a minute in production: on the bench's churned
    tables, plans otherwise take milliseconds probing dead index entries and measure that."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


class Command(BaseCommand):
    help = "Benchmarks pages and imports on a district of 5,000 organisations, 100,000 members."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quick", action="store_true", help="fewer repetitions (CI: under 2 minutes)"
        )
        parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
        parser.add_argument(
            "--rebuild", action="store_true", help="drop and rebuild the benchmark database"
        )
        parser.add_argument(
            "-k",
            dest="only",
            action="append",
            metavar="NAME",
            help="run only benchmarks whose name contains NAME (repeatable)",
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            metavar="N",
            help="a district N times as large (its own database; --scale 5: 25,000 organisations)",
        )
        parser.add_argument(
            "--http",
            action="store_true",
            help="also load the pages through gunicorn with wrk (10 and 50 connections)",
        )

    def handle(self, *args, quick, json, rebuild, only, http, scale, **options):
        started = time.perf_counter()
        benchmarks = [
            bench
            for bench in collect_benchmarks()
            if not only or any(part in bench.name for part in only)
        ]
        targets = [
            target
            for target in collect_benchmarks("HTTP_TARGETS")
            if not only or any(part in target.name for part in only)
        ]
        self.verbosity = options["verbosity"]
        if self.verbosity < 2:
            # A failing page is reported on its line (-v 2 prints the traceback), not logged twice;
            # whitenoise warns that the static files of a fresh VAR_DIR are not collected.
            logging.getLogger("django.request").setLevel(logging.CRITICAL)
            warnings.filterwarnings("ignore", message="No directory at")
        if scale < 1:
            raise CommandError("--scale 应为正整数。")
        self.stdout.write(f"本机参照负载（纯 Python，越小越快）：{machine_reference_ms()} ms")
        root = self._open_database(rebuild, scale)
        ctx = BenchContext(
            root=root, files_dir=Path(settings.VAR_DIR) / "bench", quick=quick, scale=scale
        )
        self._build_data(ctx, started)
        # Pages as production serves them (no debug templates); the test client's host allowed.
        # In process, pages are measured uncached (the cost of a miss, after any write); the HTTP
        # load test measures them as served, with the shared cache.
        uncached = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        with override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            CACHES=uncached,
            SESSION_ENGINE="django.contrib.sessions.backends.db",
        ):
            results = [self._run(bench, ctx, quick) for bench in benchmarks]
        self.stdout.write("")
        self.stdout.write(format_table(results))
        http_rows = self._load_test(ctx, targets, quick) if http else None
        if json:
            write_json(results, json, http=http_rows)
            self.stdout.write(f"JSON: {json}")
        self.stdout.write(f"总用时 {time.perf_counter() - started:.1f} 秒。")
        failed = [result["name"] for result in results if result["status"].startswith("failed")]
        if failed:
            raise CommandError(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}")

    def _open_database(self, rebuild: bool, scale: int):
        """Opens the benchmark database and returns its district's root, rebuilding the database
        when asked or when the district there is not of the full size."""
        orgs, members = ORGS * scale, MEMBERS * scale
        suffix = "" if scale == 1 else f"_x{scale}"
        settings_dict = connection.settings_dict
        sqlite = settings_dict["ENGINE"] == "django.db.backends.sqlite3"
        if sqlite:
            name = str(Path(settings.VAR_DIR) / f"bench{suffix.replace('_', '-')}.sqlite3")
        else:
            name = f"{settings_dict['NAME']}_bench{suffix}"
        settings_dict.setdefault("TEST", {})["NAME"] = name
        self.stdout.write(f"数据库：{settings_dict['ENGINE'].rsplit('.', 1)[-1]} {name}")
        while True:
            if rebuild:
                # On PostgreSQL Django reports "Got an error creating the test database: … already
                # exists" before it drops and recreates it: expected here.
                self.stdout.write(f"重建 {name}。")
            connection.close()
            if rebuild and sqlite:
                for suffix in ("", "-wal", "-shm"):
                    Path(name + suffix).unlink(missing_ok=True)
            # The test-database machinery creates or keeps the database and migrates it; with
            # keepdb=False it drops an existing one first. serialize=False: no dump of 100,000 rows.
            connection.creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False, keepdb=sqlite or not rebuild
            )
            building = time.perf_counter()
            ctx = demo.build(demo.DemoContext(orgs=orgs, members=members, users=False))
            if (ctx.organizations, ctx.member_count) != (orgs, members):
                self.stdout.write("已有数据的规模不符，重建数据库。")
                rebuild = True
                continue
            if not ctx.created:
                self.stdout.write(f"沿用已有数据：{orgs:,} 个党组织，{members:,} 名党员。")
                return ctx.root
            break
        if connection.vendor == "postgresql":
            # Production has statistics (autovacuum gathers them); without them the planner
            # guesses, and the first runs would measure its guesses.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.perf_counter() - building
        self.stdout.write(f"已生成 {orgs:,} 个党组织和 {members:,} 名党员，用时 {seconds:.1f} 秒。")
        return ctx.root

    def _build_data(self, ctx: BenchContext, started: float) -> None:
        """Runs every app's DATA builders (each makes its rows once per database and returns the
        sizes of its tables), then gathers the planner's statistics; prints the sizes and how long
        the whole generation has taken so far."""
        building = time.perf_counter()
        sizes = {}
        for build in collect_benchmarks("DATA"):
            sizes |= build(ctx)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = "，".join(f"{label} {n:,}" for label, n in sizes.items())
        self.stdout.write(
            f"基准数据就绪（{counts}），本步用时 {time.perf_counter() - building:.1f} 秒，"
            f"生成合计 {time.perf_counter() - started:.1f} 秒。"
        )

    def _load_test(self, ctx: BenchContext, targets: list, quick: bool) -> list[dict]:
        """The HTTP rows, or none when the load test cannot run here (it reports, never fails)."""
        self.stdout.write("")
        # --quick keeps the whole run near a minute: enough to compare, not to publish.
        plan = loadtest.Plan(seconds=3, warmup_seconds=1) if quick else loadtest.Plan()
        try:
            rows = loadtest.run(ctx, targets, plan, say=self._say)
        except loadtest.LoadTestError as error:
            self.stdout.write(f"跳过 HTTP 压测：{error}")
            return []
        self.stdout.write("")
        self.stdout.write(loadtest.format_table(rows))
        return rows

    def _say(self, text: str, ending: str = "\n") -> None:
        self.stdout.write(text, ending=ending)
        self.stdout.flush()

    def _run(self, bench: Benchmark, ctx: BenchContext, quick: bool) -> dict:
        self.stdout.write(f"· {bench.name} …", ending="")
        self.stdout.flush()
        started = time.perf_counter()
        result = empty_result(bench.name) | {"target_ms": bench.target_ms}
        settle()
        try:
            func = bench.setup(ctx)
            result |= measure(
                bench.name,
                func,
                repeat=bench.quick_repeat if quick else bench.repeat,
                warmup=bench.warmup,
                rollback=bench.rollback,
                memory=bench.quick_memory or not quick,
            )
        except Skip as reason:
            result["status"] = f"skipped: {reason}"
        except Exception as error:  # a broken benchmark is reported, the others still run
            result["status"] = f"failed: {type(error).__name__}: {error}"
            if self.verbosity >= 2:
                traceback.print_exc()
        else:
            missed = bench.target_ms is not None and result["median_ms"] > bench.target_ms
            result["status"] = "MISSED" if missed else "ok"
        self.stdout.write(f" {result['status']} ({time.perf_counter() - started:.1f} 秒)")
        return result
