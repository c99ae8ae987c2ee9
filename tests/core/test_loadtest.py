import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from core import loadtest
from core.benchmarks import BenchContext, collect_benchmarks, measure, write_json
from core.loadtest import HTTP_KEYS, LoadTestError, format_table, parse_report, sent_ids

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:40123/board/7/
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    71.20ms   12.10ms 140.00ms   80.00%
  Latency Distribution
     50%   68.70ms
     99%  134.90ms
  1389 requests in 10.00s, 9.10MB read
Requests/sec:    138.90
Transfer/sec:      0.91MB
loadtest: {"requests": 1389, "duration_us": 10000000, "p50_us": 68712, "p95_us": 105949, \
"p99_us": 134901, "max_us": 140000, "unexpected": 3, "statuses": {"403": 1, "200": 2}, \
"errors": {"connect": 0, "read": 1, "write": 0, "timeout": 2}, "sent": [0, 0]}
"""


def test_it_reads_the_figures_of_the_report_line():
    figures = parse_report(WRK_OUTPUT)

    assert figures == {
        "requests": 1389,
        "rps": 138.9,
        "p50_ms": 68.7,
        "p95_ms": 105.9,
        "p99_ms": 134.9,
        "unexpected": 3,
        "statuses": {200: 2, 403: 1},
        "errors": 3,
        "sent": [0, 0],
    }


def test_it_refuses_output_without_a_report_line():
    with pytest.raises(LoadTestError):
        parse_report("Running 10s test @ http://127.0.0.1:1/\n")


def test_it_knows_which_ids_each_thread_used():
    listed = [10, 11, 12, 13, 14, 15, 16]

    # Thread 0 has 10, 12, 14, 16 and used two; thread 1 has 11, 13, 15 and ran out.
    assert sent_ids(listed, [2, 5]) == {10, 12, 11, 13, 15}
    assert sent_ids(listed, [0, 0]) == set()


def test_the_table_shows_figures_unexpected_statuses_and_failures():
    ran = parse_report(WRK_OUTPUT)
    ran.pop("sent")
    rows = [
        dict.fromkeys(HTTP_KEYS)
        | {"name": "public board (branch)", "connections": 10, "status": "unexpected answers"}
        | ran,
        dict.fromkeys(HTTP_KEYS)
        | {"name": "pledge creation POST", "connections": 50, "status": "failed: no ids"},
    ]

    lines = format_table(rows).splitlines()

    assert lines[0].split()[:3] == ["name", "conns", "req/s"]
    assert all(
        title in lines[0] for title in ("p50 ms", "p95 ms", "p99 ms", "unexpected", "sock err")
    )
    assert lines[1].split()[3:] == [
        "10",
        "138.9",
        "68.7",
        "105.9",
        "134.9",
        "3",
        "3",
        "unexpected",
        "answers",
        "(200×2,",
        "403×1)",
    ]
    assert lines[2].split()[3:] == ["50", *["-"] * 6, "failed:", "no", "ids"]


def test_the_json_puts_the_http_rows_beside_the_benchmarks(tmp_path):
    path = tmp_path / "bench.json"
    row = dict.fromkeys(HTTP_KEYS) | {"name": "board", "connections": 10, "rps": 99.5}

    write_json([{"name": "tree page", "median_ms": 12.5}], path, http=[row])

    written = json.loads(path.read_text())
    assert written["benchmarks"][0]["median_ms"] == 12.5
    assert written["http"] == [row]


def test_the_apps_declare_the_pages_of_the_load_test():
    targets = {target.name: target for target in collect_benchmarks("HTTP_TARGETS")}

    assert "public board (branch)" in targets
    post = targets["pledge creation POST"]
    assert post.expect == 302 and post.form and post.ids and post.cleanup


def test_it_says_why_it_cannot_run_without_wrk(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    ctx = BenchContext(root=None, files_dir=tmp_path)

    with pytest.raises(LoadTestError, match="wrk is not installed"):
        loadtest.run(ctx, [], loadtest.Plan())


def fill_a_table():
    """Statements whose work is done within `execute` on both databases (SQLite computes a
    SELECT's rows only as they are fetched)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE numbers AS WITH RECURSIVE n(i) AS "
            "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) SELECT i FROM n"
        )
        cursor.execute("DROP TABLE numbers")


def test_measure_records_the_time_spent_in_the_database(db):
    result = measure("a query", fill_a_table, repeat=3, warmup=0, memory=False)

    assert result["db_ms"] > 0
    assert result["db_ms"] <= result["median_ms"]


def test_measure_records_no_database_time_without_queries(db):
    result = measure("pure python", lambda: None, repeat=2, warmup=0, memory=False)

    assert result["db_ms"] == 0


# --- The Lua script against a small server (where wrk is installed; CI has none) -----------------


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, str]] = []

    def do_GET(self):
        self._answer(404 if self.path == "/missing" else 200)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.seen.append((self.path, body, self.headers["Cookie"], self.headers["Content-Type"]))
        self._answer(302)

    def _answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


@needs_wrk
def test_the_script_counts_answers_of_another_status(server):
    url = f"http://127.0.0.1:{server.server_port}/missing"

    figures = loadtest.run_wrk("wrk", url, connections=2, seconds=1, env={"LOADTEST_EXPECT": "200"})

    assert figures["requests"] > 0
    assert figures["unexpected"] == figures["requests"]
    assert figures["statuses"] == {404: figures["requests"]}
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]


@needs_wrk
def test_the_script_posts_the_form_once_per_id(server, tmp_path):
    ids = tmp_path / "ids.txt"
    listed = list(range(1, 100_001))
    ids.write_text("".join(f"{pk}\n" for pk in listed))
    env = {
        "LOADTEST_EXPECT": "302",
        "LOADTEST_COOKIE": "sessionid=abc",
        "LOADTEST_BODY": "title=x&csrfmiddlewaretoken=t",
        "LOADTEST_PATH": "/pledges/new/?member={id}&campaign=3",
        "LOADTEST_IDS": str(ids),
    }
    url = f"http://127.0.0.1:{server.server_port}/"

    figures = loadtest.run_wrk("wrk", url, connections=4, seconds=1, env=env)

    assert figures["unexpected"] == 0 and figures["requests"] > 0
    posted = [path for path, *_ in _Handler.seen]
    members = [int(path.split("member=")[1].split("&")[0]) for path in posted]
    assert len(members) == len(set(members))  # no member twice
    assert set(members) <= sent_ids(listed, figures["sent"])
    assert len(sent_ids(listed, figures["sent"])) == sum(figures["sent"]) >= len(members)
    assert {seen[1:] for seen in _Handler.seen} == {
        (
            "title=x&csrfmiddlewaretoken=t",
            "sessionid=abc",
            "application/x-www-form-urlencoded",
        )
    }
    assert Path(loadtest.SCRIPT).exists()


@needs_wrk
def test_the_script_puts_each_id_in_the_form_too(server, tmp_path):
    """A ballot's one-time code travels in the body: each POST carries its own."""
    ids = tmp_path / "ids.txt"
    codes = [f"ABCDE-{n:05d}" for n in range(50_000)]
    ids.write_text("".join(f"{code}\n" for code in codes))
    env = {
        "LOADTEST_EXPECT": "302",
        "LOADTEST_BODY": "step=answer&code={id}&csrfmiddlewaretoken=t",
        "LOADTEST_PATH": "/e/",
        "LOADTEST_IDS": str(ids),
    }
    url = f"http://127.0.0.1:{server.server_port}/"

    figures = loadtest.run_wrk("wrk", url, connections=4, seconds=1, env=env)

    assert figures["unexpected"] == 0 and figures["requests"] > 0
    assert {path for path, *_ in _Handler.seen} == {"/e/"}
    sent = [body.split("code=")[1].split("&")[0] for _path, body, *_ in _Handler.seen]
    assert len(sent) == len(set(sent)) and set(sent) <= set(codes)


def test_the_ballot_targets_are_declared_with_codes_in_the_form():
    targets = {target.name: target for target in collect_benchmarks("HTTP_TARGETS")}

    answer = targets["public ballot: answer POST"]
    assert answer.expect == 302 and answer.ids and answer.cleanup
    assert answer.form(None)["code"] == loadtest.ID
    assert "public ballot: form (GET)" in targets and "district: dashboard" in targets


def test_the_machine_reference_is_a_steady_positive_time():
    from core.benchmarks import machine_reference_ms

    first, second = machine_reference_ms(repeat=3), machine_reference_ms(repeat=3)
    assert first > 0 and second > 0
    assert max(first, second) < 5 * min(first, second)
