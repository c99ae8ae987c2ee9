"""What the fault tests share: free ports, bounded waits, private servers and subprocesses of
manage.py. Every server a test starts is its own (a free port, a temporary folder) and is ended
by the fixture that started it: the shared PostgreSQL and Redis are never touched."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ..conftest import require_service

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], object], *, seconds: float, what: str, every: float = 0.05):
    """What `check()` returns once it is truthy; fails the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:g} s")
        time.sleep(every)


def manage(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python manage.py …` in a process of its own, with `env` over the test's environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def end(process: subprocess.Popen, *, group: bool = False) -> None:
    """Ends a process this test started (and, with `group`, the session it leads), at once."""
    if process.poll() is None:
        try:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


class RedisServer:
    """A redis-server of the test's own on a free port, in memory only, stopped and started at
    will; the same port each time, as a restarted production Redis keeps its address."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis(port=self.port, db=db, socket_timeout=2, socket_connect_timeout=2)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except OSError:
            return False
        except Exception:  # redis.exceptions.ConnectionError, BusyLoadingError
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, seconds=10, what="the private redis-server to answer")

    def kill(self) -> None:
        """Stops it as a crash does (SIGKILL): nothing kept, the port closed."""
        if self.process is not None:
            end(self.process)
            self.process = None
        wait_for(lambda: not self._answers(), seconds=5, what="the private redis-server to stop")


@pytest.fixture
def private_redis(tmp_path):
    require_service("redis-server", shutil.which("redis-server") is not None, "not installed")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            end(server.process)
