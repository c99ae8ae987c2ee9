"""How the site is served: gunicorn's settings, DEBUG off without set-up, HTTPS by its own
setting, the Chinese error pages, the cached template loader."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

from django.template import engines
from django.test import override_settings
from django.urls import path

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.SECRET_KEY, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER is not None, sep='|')"
)


def _manage(*args, **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "HTTPS", "DEBUG", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(tmp_path, **env) -> list[str]:
    result = _manage("shell", "-v", "0", "-c", SETTINGS, VAR_DIR=str(tmp_path), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split("|")


def test_gunicorn_binds_to_host_and_port_and_recycles_workers(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8123")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:8123"
    assert conf["wsgi_app"] == "config.wsgi:application"
    assert conf["workers"] * conf["threads"] >= 4
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["timeout"] > 0
    assert conf["accesslog"] is None


def test_gunicorn_sizes_follow_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_WORKERS", "5")
    monkeypatch.setenv("WEB_THREADS", "1")
    monkeypatch.setenv("ACCESS_LOG", "1")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (5, 1, "sync")
    assert conf["accesslog"] == "-"


def test_make_run_serves_through_gunicorn_and_make_dev_through_runserver():
    assert "gunicorn -c gunicorn.conf.py" in (ROOT / "Procfile").read_text()
    assert "runserver" in (ROOT / "Procfile.dev").read_text()


def test_without_a_secret_key_one_is_made_once_and_kept(tmp_path):
    first = _settings(tmp_path, DEBUG="0")[0]
    second = _settings(tmp_path, DEBUG="0")[0]
    assert len(first) >= 50 and first == second
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0
    assert _settings(tmp_path, DEBUG="0", SECRET_KEY="from-the-environment")[0] == (
        "from-the-environment"
    )


def test_debug_off_serves_plain_http_until_https_is_set(tmp_path):
    _, redirect, session_secure, csrf_secure, hsts, proxy = _settings(tmp_path, DEBUG="0")
    assert (redirect, session_secure, csrf_secure, hsts, proxy) == (
        "False",
        "False",
        "False",
        "0",
        "False",
    )
    _, redirect, session_secure, csrf_secure, hsts, proxy = _settings(
        tmp_path, DEBUG="0", HTTPS="1"
    )
    assert (redirect, session_secure, csrf_secure, proxy) == ("True", "True", "True", "True")
    assert int(hsts) >= 31536000


def test_the_older_behind_tls_proxy_still_means_https(tmp_path):
    assert _settings(tmp_path, DEBUG="0", BEHIND_TLS_PROXY="1")[1:3] == ["True", "True"]


def test_the_deploy_check_passes_with_https(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        VAR_DIR=str(tmp_path),
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="k3y-for-the-deploy-check-only-2fj29fj2039fj203jf0293jf02j3f",
        ALLOWED_HOSTS="ccz.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_uses_the_cached_template_loader():
    # No `loaders` in TEMPLATES: Django then caches compiled templates in every process.
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


def test_a_missing_page_answers_in_chinese(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def _fail(request):
    raise RuntimeError("boom")


urlpatterns = [path("fail/", _fail)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_answers_in_chinese(db, client):
    client.raise_request_exception = False
    response = client.get("/fail/")
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()


def test_the_default_hosts_fit_make_run(tmp_path):
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    result = _manage("shell", "-v", "0", "-c", code, VAR_DIR=str(tmp_path), DEBUG="0")
    assert "'127.0.0.1'" in result.stdout and "'localhost'" in result.stdout, result.stderr
