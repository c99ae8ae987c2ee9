"""gunicorn's settings: `gunicorn -c gunicorn.conf.py` (make run, production).

Sized for a machine of two cores shared with PostgreSQL and the Celery worker; measured with wrk
against the public board and the district pages (README, "Serving"). WEB_WORKERS and WEB_THREADS
override the sizes on a larger machine: keep workers × threads about the number of database
connections PostgreSQL can spare (each keeps one).
"""

import os
import socket

wsgi_app = "config.wsgi:application"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Processes do the Python work (the GIL lets one thread at a time run it). On two cores, four
# single-threaded (sync) workers served as many requests as three of two threads and kept the
# tail far shorter (README, "Serving"); threads (WEB_THREADS > 1) help where requests wait long
# on slow clients, which the proxy in front absorbs here.
workers = int(os.environ.get("WEB_WORKERS", "4"))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A request still running after this long is a fault: the worker is killed and replaced. Imports
# and exports that take longer run as jobs in Celery, never in a request.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Each worker is replaced after about this many requests (the jitter keeps them from restarting
# together), so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory: a worker is never stalled by a slow disk (as under Docker).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Errors go to stderr; the access log (one line per request) only when asked for, to stdout.
accesslog = "-" if os.environ.get("ACCESS_LOG", "") in {"1", "true", "yes", "on"} else None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "ccz-web"


def when_ready(server):
    """Says where the site answers, from the sockets gunicorn really bound: `make run` prints no
    address of its own, which could differ from this one (a PORT in .env read by honcho, --bind,
    GUNICORN_CMD_ARGS, or PORT=0 for any free port)."""
    for listener in server.LISTENERS:
        if listener.FAMILY == socket.AF_UNIX:
            server.log.info("在 %s 上等待请求", listener)
            continue
        host, port = listener.getsockname()[:2]
        # Bound to every address: this machine's own answers too.
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        shown = f"[{shown}]" if ":" in shown else shown
        everywhere = "（监听本机所有网络地址）" if shown.strip("[]") != host else ""
        server.log.info("打开 http://%s:%d/%s", shown, port, everywhere)
