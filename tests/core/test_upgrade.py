"""An upgrade of a database in use: SQLite rebuilds a table to alter it, which the triggers of
the audit and the rollups (pledges' triggers read orgs_member) would refuse half-way. Run on
SQLite in a subprocess whatever database the suite uses, since PostgreSQL alters in place."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _manage(var_dir, *args) -> str:
    env = {**os.environ, "DATABASE_URL": "", "CACHE_URL": "", "VAR_DIR": str(var_dir)}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def test_migrations_that_rebuild_the_member_table_pass_with_the_triggers_installed(tmp_path):
    _manage(tmp_path, "migrate", "--noinput")
    # The triggers are in place, as on any database in use; going back and forth rebuilds
    # orgs_member twice (orgs 0004 adds columns to it).
    _manage(tmp_path, "migrate", "orgs", "0003", "--noinput")
    _manage(tmp_path, "migrate", "--noinput")
    assert "no issues" in _manage(tmp_path, "check", "--database", "default")
    verified = _manage(tmp_path, "rollups", "--verify")
    assert "0 row(s) drifted" in verified and "drifted" in verified
