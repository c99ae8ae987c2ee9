import json

import pytest

from core.benchmarks import (
    JSON_KEYS,
    Benchmark,
    collect_benchmarks,
    empty_result,
    format_table,
    measure,
    percentile,
    write_json,
)
from orgs.benchmarks import BENCHMARKS
from orgs.models import Organization, OrgKind


def count_orgs():
    Organization.objects.count()
    return 3


def test_measure_reports_the_documented_keys_and_types(db):
    result = measure("tiny", count_orgs, repeat=3, warmup=1)

    assert tuple(result) == JSON_KEYS
    assert result["name"] == "tiny"
    assert isinstance(result["median_ms"], float)
    assert result["p95_ms"] >= result["median_ms"] >= 0
    assert result["queries"] == 1
    assert isinstance(result["peak_mib"], float)
    assert result["rows"] == 3
    assert result["ratio_to_sql"] is None or result["ratio_to_sql"] > 0


def test_measure_without_memory_or_queries_leaves_them_empty(db):
    result = measure("pure python", lambda: None, repeat=2, warmup=0, memory=False)

    assert result["queries"] == 0
    assert result["peak_mib"] is None
    assert result["rows"] is None
    assert result["ratio_to_sql"] is None


def test_measure_with_rollback_leaves_the_database_as_it_was(db):
    def add_root():
        Organization.objects.add_root({"name": "临时区委", "kind": OrgKind.COMMITTEE})
        return Organization.objects.count()

    result = measure("writes", add_root, repeat=3, warmup=1, rollback=True)

    # Every run saw an empty tree, and nothing stays behind.
    assert result["rows"] == 1
    assert not Organization.objects.exists()


def test_measure_refuses_zero_repetitions():
    with pytest.raises(ValueError):
        measure("nothing", lambda: None, repeat=0)


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([7.0], 0.95) == 7.0


def test_write_json_emits_exactly_the_documented_keys(tmp_path):
    results = [
        {**empty_result("tree page"), "median_ms": 12.5, "queries": 7, "status": "ok"},
        empty_result("skipped one") | {"status": "skipped: no importer", "target_ms": 100},
    ]
    path = tmp_path / "bench.json"

    write_json(results, path)

    written = json.loads(path.read_text(encoding="utf-8"))
    assert [list(entry) for entry in written] == [list(JSON_KEYS)] * 2
    assert written[0]["median_ms"] == 12.5 and written[0]["queries"] == 7
    assert written[1] == dict.fromkeys(JSON_KEYS) | {"name": "skipped one"}


def test_the_table_marks_missed_targets_and_skips():
    results = [
        empty_result("fast page") | {"median_ms": 5.0, "target_ms": 100, "status": "ok"},
        empty_result("slow page") | {"median_ms": 150.0, "target_ms": 100, "status": "MISSED"},
        empty_result("import") | {"target_ms": 2000, "status": "skipped: no importer"},
    ]

    table = format_table(results).splitlines()

    assert len(table) == 4
    assert table[2].startswith("slow page") and table[2].endswith("MISSED")
    assert "< 100 ms" in table[2]
    assert table[3].endswith("skipped: no importer")


def test_the_command_collects_the_benchmarks_of_local_apps():
    names = [bench.name for bench in collect_benchmarks()]

    assert names[: len(BENCHMARKS)] == [bench.name for bench in BENCHMARKS]
    assert all(isinstance(bench, Benchmark) for bench in collect_benchmarks())
    assert {"tree page (district)", "roster page (branch)"} <= set(names)
