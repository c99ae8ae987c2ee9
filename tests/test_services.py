"""In CI (REQUIRE_SERVICES=1) the suite must run on PostgreSQL; locally SQLite is fine."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from .conftest import require_service


def test_the_database_is_postgresql_when_services_are_required(db):
    require_service("PostgreSQL", connection.vendor == "postgresql", f"vendor={connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert "PostgreSQL" in cursor.fetchone()[0]


def test_sqlite_runs_in_wal_mode(tmp_path):
    """The embedded default: web and worker share a SQLite file in WAL mode."""
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "wal", result.stderr
