"""PostgreSQL restarted under load: requests fail cleanly and recover without restarting the app.

A PostgreSQL cluster of the test's own (initdb into a temporary folder, a free port; the shared
server on 5432 is never touched), migrated, holding a small district, served by gunicorn with the
repo's gunicorn.conf.py and DEBUG off, with the cache and broker on a private Redis as in
production. Clients read a public board while the cluster is restarted (`pg_ctl restart -m
fast`), then while it is stopped: every request is answered within seconds, either with the page
or with the Chinese error page (500.html, no traceback, no driver's message), and once the
cluster is back every request is answered by the same gunicorn workers, which reconnect by
themselves (CONN_HEALTH_CHECKS in config/settings.py)."""

import glob
import http.client
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import require_service
from .conftest import ROOT, end, free_port, manage, wait_for

WORKERS = 2
CLIENTS = 4
REQUEST_TIMEOUT = 10  # seconds: a request not answered by then is a hang
DISTRICT = """
from campaign.models import Campaign
from tests.factories import MemberFactory, add_org, make_campaign, make_pledge
root = add_org(None, "某某区委", kind="committee")
branch = add_org(root, "幸福社区党支部")
campaign = make_campaign(root)
member = MemberFactory(branch=branch, name="张三")
make_pledge(campaign, member=member, state="published", title="每月走访一户困难群众")
print(branch.pk)
"""


def _bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A cluster in a temporary folder, run as the `postgres` user when the tests run as root
    (PostgreSQL refuses to run as root), trusting local connections."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="ccz-fault-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bin / tool), *args]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = self.command(tool, *args)
        done = subprocess.run(
            command, cwd=self.folder, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{tool}: {done.stdout[-1000:]}{done.stderr[-1000:]}"
        return done

    def pg_ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
            "-o", options, *args,
        )  # fmt: skip

    def create(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.pg_ctl("start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ccz")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/ccz"

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                self.command("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate"),
                cwd=self.folder,
                capture_output=True,
                timeout=30,
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bin_dir = _bin_dir()
    require_service("PostgreSQL's server binaries", bin_dir is not None, "/usr/lib/postgresql")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.destroy()


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset or timed out)
    seconds: float
    body: str


def _get(port: int, path: str) -> Answer:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return Answer(response.status, time.monotonic() - started, body)
    except OSError as error:
        return Answer(0, time.monotonic() - started, repr(error))
    finally:
        conn.close()


@pytest.fixture
def served(private_postgres, private_redis, tmp_path):
    """gunicorn serving the private cluster, and the board's path."""
    env = {
        "DATABASE_URL": private_postgres.url,
        "CACHE_URL": private_redis.url(1),
        "CELERY_BROKER_URL": private_redis.url(0),
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "WEB_WORKERS": str(WORKERS),
        "RATE_LIMIT_EXEMPT_LOOPBACK": "1",
    }
    for step in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        done = manage(*step, env=env, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
    made = manage("shell", "--no-startup", "-c", DISTRICT, env=env)
    assert made.returncode == 0, made.stderr[-2000:]
    board = f"/board/{made.stdout.split()[-1]}/"
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--no-control-socket"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the workers end with their master
    )
    try:
        wait_for(
            lambda: server.poll() is not None or _get(port, board).status == 200,
            seconds=60,
            every=0.2,
            what="gunicorn to serve the board",
        )
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-2000:]
        yield server, port, board
    finally:
        end(server, group=True)
        log.close()


def _workers(master: subprocess.Popen) -> set[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def _clean_error(answer: Answer) -> bool:
    return (
        answer.status == 500
        and "服务器出错了" in answer.body
        and not any(leak in answer.body for leak in ("Traceback", "psycopg", "OperationalError"))
    )


def test_postgres_restarted_under_load_fails_cleanly_and_recovers_without_a_restart(
    private_postgres, served
):
    server, port, board = served
    workers = wait_for(
        lambda: len(_workers(server)) == WORKERS and _workers(server),
        seconds=30,
        what="gunicorn's workers",
    )
    warm = [_get(port, board) for _ in range(4 * WORKERS)]  # each worker keeps a connection
    assert [a.status for a in warm] == [200] * len(warm)

    # Restarted between requests: each worker's kept connection is dead, found so by the health
    # check before use and replaced, so not even the first request after it fails.
    private_postgres.pg_ctl("restart", "-m", "fast")
    quiet = [_get(port, board) for _ in range(4 * WORKERS)]

    # Restarted, then stopped a while, under clients that never pause.
    answers: list[Answer] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            answers.append(_get(port, board))

    clients = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1)
        private_postgres.pg_ctl("restart", "-m", "fast")
        time.sleep(1)
        private_postgres.pg_ctl("stop", "-m", "fast")
        time.sleep(1)
        down = [_get(port, board) for _ in range(2 * WORKERS)]
        private_postgres.pg_ctl("start")
        time.sleep(1)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    after = [_get(port, board) for _ in range(4 * WORKERS)]

    assert [a.status for a in quiet] == [200] * len(quiet), [a.body[:300] for a in quiet]
    assert all(_clean_error(answer) for answer in down), [a.body[:300] for a in down]
    loaded = answers + down + after
    assert all(a.status == 200 or _clean_error(a) for a in loaded), {
        (a.status, a.body[:200]) for a in loaded if a.status != 200 and not _clean_error(a)
    }
    assert max(a.seconds for a in loaded) < REQUEST_TIMEOUT
    assert sum(a.status == 200 for a in answers) > 0
    # Back at once, every request, by the same processes: nothing restarted the app.
    assert [a.status for a in after] == [200] * len(after)
    assert all("每月走访一户困难群众" in a.body for a in after)
    assert _workers(server) == workers and server.poll() is None
