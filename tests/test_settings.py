import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-for-the-deploy-check-only-2fj29fj2039fj203jf0293jf02j3f",
    "ALLOWED_HOSTS": "ccz.example.org",
    "DATABASE_URL": "postgres://ccz:secret@db.example.org:5432/ccz",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "HTTPS": "1",
}


def test_deploy_check_passes_under_production_settings(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", VAR_DIR=str(tmp_path), **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_speaks_chinese_in_shanghai():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def _printed(expression: str, tmp_path, **env) -> str:
    """What `expression` gives under the settings that env makes (a fresh process)."""
    result = _manage(
        "shell", "-c", f"from django.conf import settings; print({expression})",
        VAR_DIR=str(tmp_path), **PRODUCTION, **env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's note of its imports


def test_a_replica_and_pgbouncer_are_configured_from_the_environment(tmp_path):
    replica = "postgres://ccz:secret@replica.example.org:5432/ccz"
    aliases = "sorted(settings.DATABASES)"
    assert _printed(aliases, tmp_path) == "['default']"
    assert _printed(aliases, tmp_path, DATABASE_REPLICA_URL=replica) == "['default', 'replica']"
    assert _printed(
        "settings.DATABASES['replica']['HOST']", tmp_path, DATABASE_REPLICA_URL=replica
    ) == ("replica.example.org")
    cursors = "[d.get('DISABLE_SERVER_SIDE_CURSORS', False) for d in settings.DATABASES.values()]"
    assert _printed(cursors, tmp_path) == "[False]"
    pooled = _printed(
        cursors, tmp_path, DATABASE_REPLICA_URL=replica, DATABASE_POOLING="transaction"
    )
    assert pooled == "[True, True]"
