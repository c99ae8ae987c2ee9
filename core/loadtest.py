"""The HTTP load test (`python manage.py bench --http`): pages served by gunicorn on the bench
database and driven by wrk over loopback, as people meet them.

Apps list their `Target`s as `HTTP_TARGETS` in `<app>/benchmarks.py`, beside BENCHMARKS. Each
target is asked once from Python (its status checked), warmed up by a short wrk run so that every
worker has loaded its code, then run at 10 and at 50 connections for a bounded time with
core/loadtest.lua, which prints exact percentiles and counts the answers whose status is not the
expected one (200 for a page, 302 for a form that saved: a refused form answers 200).

A form target names the ids that go into its path ("/pledges/new/?member={id}") or into a field of
its form (a ballot's one-time code), one per request, so that each POST makes something new
instead of being refused as a repetition; the ids are asked again before each run, and the
target's cleanup removes what the runs made, so the next run finds the district as it was built.

Like the in-process bench it reports; a poor figure fails nothing.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url

from .benchmarks import BenchContext

SCRIPT = Path(__file__).with_suffix(".lua")
CONNECTIONS = (10, 50)
# The machine has two cores, shared with gunicorn and PostgreSQL: two wrk threads keep 50
# connections busy without taking more of them.
THREADS = 2
# A slow page should show in the latency, not vanish as a socket error (wrk's default is 2 s).
WRK_TIMEOUT = "30s"
HTTP_KEYS = (
    "name",
    "connections",
    "requests",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "unexpected",
    "statuses",
    "errors",
    "status",
)
REPORT = re.compile(r"^loadtest: (\{.*\})$", re.MULTILINE)
# Stands for a POST's id in a form target's path and fields.
ID = "{id}"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class LoadTestError(Exception):
    """The load test, or one target, cannot run here; the message says why."""


@dataclass
class Target:
    name: str
    path: Callable[[BenchContext], str]
    as_user: Callable[[BenchContext], object] | None = None  # None: an anonymous visitor
    # A form: its fields (the CSRF token is added) are POSTed once per id that ids(ctx) returns,
    # the id in place of "{id}" in the path and in the fields' values; cleanup(ctx) removes what
    # the POSTs made.
    form: Callable[[BenchContext], dict] | None = None
    ids: Callable[[BenchContext], list[int | str]] | None = None
    cleanup: Callable[[BenchContext], None] | None = None
    expect: int = 200


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path


@dataclass
class Session:
    """A client of the server with a cookie jar: enough to sign in and read a form's token."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            client.request(method, path, body=body, headers=headers)
            response = client.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            client.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:  # Django deletes a cookie by sending it empty and expired
                    self.cookies.pop(name, None)
        return response.status, text

    def login(self, user) -> None:
        """Signs in through the login form, with a password set for this run."""
        password = secrets.token_urlsafe(16)
        user.set_password(password)
        user.save(update_fields=["password"])
        path = resolve_url(settings.LOGIN_URL)
        _, page = self.request("GET", path)
        fields = {"username": user.get_username(), "password": password}
        status, _ = self.request(
            "POST", path, urlencode(fields | {"csrfmiddlewaretoken": csrf(page)})
        )
        if status != 302 or settings.SESSION_COOKIE_NAME not in self.cookies:
            raise LoadTestError(f"signing in as {user.get_username()} answered {status}")


def csrf(page: str) -> str:
    match = CSRF_INPUT.search(page)
    if match is None:
        raise LoadTestError("the page has no CSRF token")
    return match.group(1)


# --- The server -----------------------------------------------------------------------------------


def database_url() -> str:
    """DATABASE_URL of the database this process has open: the bench's own."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    # The configured URL with the bench database's name, so that its options are kept.
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(name)))


def server_env(work_dir: Path) -> dict[str, str]:
    return os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on loopback: no redirect to https (HTTPS is the serving setting,
        # SECURE_SSL_REDIRECT the one before it).
        "HTTPS": "0",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url(),
        "VAR_DIR": str(settings.VAR_DIR),
        # Collected for this server (production's manifest storage), apart from the developer's.
        "STATIC_ROOT": str(work_dir / "static"),
        # The public endpoints' rate limits would refuse a load from one address: lifted for the
        # loopback client of this server alone (never in production: check --deploy refuses it).
        "RATE_LIMIT_EXEMPT_LOOPBACK": "1",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(work_dir: Path) -> Server:
    """gunicorn with the repo's gunicorn.conf.py (else five sync workers), on 127.0.0.1 only,
    serving the static files as production does (collected, with a manifest)."""
    env = server_env(work_dir)
    log = work_dir / "gunicorn.log"
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]
    done = subprocess.run(
        collect, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise LoadTestError(f"collectstatic failed: {done.stderr.strip()[-300:]}")
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    # The control socket's path is one per user: the bench's server must not take it from a
    # gunicorn that serves the office on the same machine.
    command += ["--no-control-socket"]
    conf = Path(settings.BASE_DIR) / "gunicorn.conf.py"
    command += ["--config", str(conf)] if conf.exists() else ["--workers", "5"]
    with log.open("w") as output:
        # A session of its own, so that stop_server ends the workers with their master.
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        _wait_until_up(server)
    except BaseException:
        stop_server(server)
        raise
    return server


def _wait_until_up(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise LoadTestError(f"gunicorn exited with {server.process.returncode}: {server.log}")
        try:
            status, _ = Session(server.port).request("GET", resolve_url(settings.LOGIN_URL))
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise LoadTestError(f"the login page answered {status}: {server.log}")
    raise LoadTestError(f"gunicorn did not answer within {seconds:.0f} s: {server.log}")


def stop_server(server: Server) -> None:
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


# --- wrk ------------------------------------------------------------------------------------------


def threads_for(connections: int) -> int:
    return min(THREADS, connections)


def run_wrk(wrk: str, url: str, *, connections: int, seconds: float, env: dict) -> dict:
    threads = threads_for(connections)
    command = [
        wrk,
        "--threads", str(threads),
        "--connections", str(connections),
        "--duration", f"{seconds:g}s",
        "--timeout", WRK_TIMEOUT,
        "--latency",
        "--script", str(SCRIPT),
        url,
    ]  # fmt: skip
    env = os.environ | env | {"LOADTEST_THREADS": str(threads)}
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if done.returncode != 0:
        raise LoadTestError(f"wrk exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    return parse_report(done.stdout)


def drain(server: Server, settle: float = 1.0) -> None:
    """Waits for the requests wrk left queued when it stopped (at 50 connections on a slow page,
    seconds of work), so that the next run does not start behind them: one more request waits
    behind most of them, and `settle` seconds for those still running (measured: a POST queue
    was saved up to 0.4 s after that request was answered)."""
    try:
        Session(server.port).request("GET", resolve_url(settings.LOGIN_URL))
    except OSError as error:
        raise LoadTestError(f"the server stopped answering ({error}): {server.log}") from None
    time.sleep(settle)


def parse_report(output: str) -> dict:
    """The figures of core/loadtest.lua's report line: requests, rps, p50/p95/p99 in ms, the
    answers of another status than expected (total and by status), the socket errors, and the
    ids each wrk thread used ("sent")."""
    match = REPORT.search(output)
    if match is None:
        raise LoadTestError("wrk printed no report line")
    report = json.loads(match.group(1))
    seconds = report["duration_us"] / 1e6
    return {
        "requests": report["requests"],
        "rps": round(report["requests"] / seconds, 1) if seconds else None,
        **{f"p{n}_ms": round(report[f"p{n}_us"] / 1000, 1) for n in (50, 95, 99)},
        "unexpected": report["unexpected"],
        "statuses": {int(status): n for status, n in sorted(report["statuses"].items())},
        "errors": sum(report["errors"].values()),
        "sent": report["sent"],
    }


# --- Running --------------------------------------------------------------------------------------


@dataclass
class Plan:
    seconds: float = 10
    warmup_seconds: float = 2
    connections: tuple[int, ...] = CONNECTIONS


def _say(text: str, ending: str = "\n") -> None:
    print(text, end=ending, flush=True)


def run(ctx: BenchContext, targets: list[Target], plan: Plan, *, say=_say) -> list[dict]:
    """Serves the bench database with gunicorn, runs every target at each number of connections
    and returns one row of HTTP_KEYS per run; the server is stopped whatever happens."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise LoadTestError("wrk is not installed (apt-get install wrk)")
    work_dir = ctx.files_dir / "http"
    work_dir.mkdir(parents=True, exist_ok=True)
    server = start_server(work_dir)
    say(f"gunicorn: 127.0.0.1:{server.port}（日志 {server.log}）")
    try:
        rows = []
        for target in targets:
            rows += _run_target(wrk, server, ctx, target, plan, work_dir, say)
        return rows
    finally:
        stop_server(server)


def _run_target(wrk, server, ctx, target: Target, plan: Plan, work_dir: Path, say) -> list[dict]:
    rows = [
        dict.fromkeys(HTTP_KEYS) | {"name": target.name, "connections": n} for n in plan.connections
    ]
    try:
        run_once = _prepare(wrk, server, ctx, target, work_dir)
        run_once(plan.warmup_seconds, plan.connections[0])
        for row in rows:
            say(f"· {target.name}，{row['connections']} 连接 …", ending="")
            row |= run_once(plan.seconds, row["connections"])
            problems = [
                *(["unexpected answers"] if row["unexpected"] else []),
                *(["socket errors"] if row["errors"] else []),
            ]
            row["status"] = ", ".join(problems) or "ok"
            say(f" {row['rps']} req/s")
    except LoadTestError as error:
        say(f"· {target.name}：{error}")
        for row in rows:
            row["status"] = row["status"] or f"failed: {error}"
    finally:
        if target.cleanup is not None:
            target.cleanup(ctx)
    return rows


def _prepare(wrk, server: Server, ctx, target: Target, work_dir: Path) -> Callable[..., dict]:
    """Signs in, asks the target once and returns the function that runs wrk on it."""
    session = Session(server.port)
    if target.as_user is not None:
        session.login(target.as_user(ctx))
    path = target.path(ctx)
    env = {"LOADTEST_COOKIE": session.cookie_header(), "LOADTEST_EXPECT": str(target.expect)}
    ids_file = work_dir / "ids.txt"
    # Ids a POST has used, to give no run an id an earlier one used: the database cannot say
    # while the last POSTs of a run are still being saved.
    used: set[int | str] = set()
    if target.form is None:
        status, _ = session.request("GET", path)
        url = f"http://127.0.0.1:{server.port}{path}"
    else:
        ids = target.ids(ctx)
        if not ids:
            raise LoadTestError("no ids left to POST")
        first = str(ids[0])
        used.add(ids[0])
        _, page = session.request("GET", path.replace(ID, first))
        # The form page may have set the CSRF cookie: take the cookies after it.
        body = urlencode(target.form(ctx) | {"csrfmiddlewaretoken": csrf(page)})
        body = body.replace(quote(ID), ID)  # the placeholder as core/loadtest.lua looks for it
        env |= {"LOADTEST_COOKIE": session.cookie_header(), "LOADTEST_BODY": body}
        env |= {"LOADTEST_PATH": path, "LOADTEST_IDS": str(ids_file)}
        status, _ = session.request(
            "POST", path.replace(ID, first), body.replace(ID, quote(first, safe=""))
        )
        url = f"http://127.0.0.1:{server.port}/"
    if status != target.expect:
        raise LoadTestError(f"{path} answered {status}, not {target.expect}")

    def run_once(seconds: float, connections: int) -> dict:
        if target.form is not None:
            listed = [pk for pk in ids if pk not in used]
            if len(listed) < threads_for(connections):
                raise LoadTestError(f"only {len(listed)} ids left to POST")
            ids_file.write_text("".join(f"{pk}\n" for pk in listed))
        try:
            figures = run_wrk(wrk, url, connections=connections, seconds=seconds, env=env)
        finally:
            drain(server)
        sent = figures.pop("sent")
        if target.form is not None:
            used.update(sent_ids(listed, sent))
        return figures

    return run_once


def sent_ids(listed: list, sent: list[int]) -> set:
    """The ids wrk used: thread i takes every len(sent)-th id of the list from the i-th on, in
    order, `sent[i]` of them (all of its share when it ran out and started over)."""
    threads = len(sent)
    return {pk for index, count in enumerate(sent) for pk in listed[index::threads][:count]}


# --- Reporting ------------------------------------------------------------------------------------

COLUMNS = [
    ("name", "name", "<34"),
    ("conns", "connections", ">6"),
    ("req/s", "rps", ">8"),
    ("p50 ms", "p50_ms", ">8"),
    ("p95 ms", "p95_ms", ">8"),
    ("p99 ms", "p99_ms", ">8"),
    ("unexpected", "unexpected", ">10"),
    ("sock err", "errors", ">8"),
]


def format_table(rows: list[dict]) -> str:
    """An aligned text table; "unexpected" counts answers whose status is not the target's (200,
    or 302 for a form), "sock err" wrk's connect, read, write and timeout errors."""

    def cell(value):
        if value is None:
            return "-"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"

    lines = ["  ".join(f"{title:{align}}" for title, _, align in COLUMNS) + "  status"]
    for row in rows:
        cells = [
            f"{row[key] if key == 'name' else cell(row.get(key)):{align}}"
            for _, key, align in COLUMNS
        ]
        status = row.get("status") or ""
        if row.get("statuses"):
            status += " (" + ", ".join(f"{s}×{n}" for s, n in row["statuses"].items()) + ")"
        lines.append("  ".join(cells) + "  " + status)
    return "\n".join(lines)
