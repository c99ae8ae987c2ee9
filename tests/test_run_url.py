"""`make run` tells the address gunicorn really listens on (gunicorn.conf.py's when_ready), not
the one it was asked for: PORT=0 lets the system pick a free port, which no Makefile could print."""

import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPEN = re.compile(r"打开 (http://\S+/)")


def test_gunicorn_prints_the_address_it_bound(tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DEBUG": "0", "HOST": "127.0.0.1"}
    env |= {"PORT": "0", "WEB_WORKERS": "1"}
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    lines = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in server.stderr], daemon=True
    ).start()
    try:
        url, seen = None, []
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if match := OPEN.search(line):
                url = match.group(1)
        assert url, "".join(seen)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url) and not url.endswith(":0/")
        try:
            status = urllib.request.urlopen(url + "accounts/login/", timeout=30).status
        except urllib.error.HTTPError as answer:
            status = answer.code  # any answer from Django shows the address is the right one
        assert 200 <= status < 600
    finally:
        server.terminate()
        server.wait(timeout=30)
