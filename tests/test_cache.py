"""The shared cache: one store for every web and worker process, chosen by CACHE_URL."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from .conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


def _backend_with(tmp_path, **env) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_stores_and_reads_back_through_the_configured_cache(db):
    cache.set("test-cache-key", {"组织": 42}, timeout=60)
    assert cache.get("test-cache-key") == {"组织": 42}
    cache.delete("test-cache-key")
    assert cache.get("test-cache-key") is None


def test_the_cache_is_never_per_process_memory():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in {
        "django.core.cache.backends.db.DatabaseCache",
        "core.cache.RedisCache",
    }


def test_it_uses_the_database_cache_without_cache_url(tmp_path):
    result = _backend_with(tmp_path, CACHE_URL="")
    assert result.stdout.strip() == "django.core.cache.backends.db.DatabaseCache", result.stderr


def test_it_uses_redis_when_cache_url_names_it(tmp_path):
    result = _backend_with(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")
    assert result.stdout.strip() == "core.cache.RedisCache", result.stderr


def test_it_refuses_a_cache_url_it_does_not_know(tmp_path):
    result = _backend_with(tmp_path, CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr


def test_the_cache_is_redis_when_services_are_required():
    url = os.environ.get("CACHE_URL", "")
    require_service("Redis cache", url.startswith("redis://"), f"CACHE_URL={url!r}")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("test-cache-redis", "红", timeout=60)
    assert cache.get("test-cache-redis") == "红"
    # One client per pool, not one per call (core/cache.py).
    assert cache._cache.get_client("a") is cache._cache.get_client("b", write=True)


def test_pages_render_afresh_while_the_cache_is_unreachable(district, campaign, client):
    # A Redis that is not there (nothing listens on port 1): the public board still answers.
    gone = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=gone):
        response = client.get(f"/board/{district.branch_a.pk}/")
    assert response.status_code == 200
    assert "幸福社区党支部" in response.content.decode()
