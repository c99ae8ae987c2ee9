"""The audit trail is two implementations, SQLite's row triggers and PostgreSQL's statement
triggers: the suite runs on one database, and this runs the audit tests on SQLite too when the
suite runs on PostgreSQL (as CI does), so neither can drift."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
AUDIT_TESTS = ["tests/core/test_audit.py", "tests/pledges/test_history.py"]


def test_the_audit_tests_pass_on_sqlite_too(db, tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("the suite itself runs on SQLite here")
    env = {**os.environ, "DATABASE_URL": "", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *AUDIT_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
