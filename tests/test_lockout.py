"""Sign-in lockout and rate limit by the real client address (issue 8, point 1).

Behind the production reverse proxy every request arrives from the proxy's address; the real
client is read from X-Forwarded-For as far as TRUSTED_PROXY_COUNT allows (core.clientip)."""

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

from .factories import UserFactory

PROXY = "10.0.0.1"
LOCKED = "登录失败次数过多"
LIMITED = "登录尝试过于频繁"


@pytest.fixture
def login(client):
    def attempt(username, password, *, remote="127.0.0.1", forwarded=None):
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        data = {"username": username, "password": password}
        response = client.post("/accounts/login/", data, **extra)
        client.logout()
        return response

    return attempt


@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=5)
def test_failures_for_four_usernames_behind_the_proxy_do_not_lock_a_fifth(db, login):
    for name in ("alice", "bob", "charlie", "dave", "erin"):
        UserFactory(username=name)
    for name in ("alice", "bob", "charlie", "dave"):
        for _ in range(5):
            login(name, "wrong", remote=PROXY, forwarded="203.0.113.5")

    assert login("erin", "password", remote=PROXY, forwarded="203.0.113.5").status_code == 302
    # Nor anybody else behind the same proxy, whichever username they use.
    assert login("alice", "password", remote=PROXY, forwarded="203.0.113.9").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=5)
def test_the_lock_follows_the_real_client_behind_the_proxy(db, login):
    UserFactory(username="alice")
    for _ in range(5):
        login("alice", "wrong", remote=PROXY, forwarded="203.0.113.5")

    response = login("alice", "password", remote=PROXY, forwarded="203.0.113.5")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_user_locked_out_from_one_address_can_log_in_from_another(db, login):
    UserFactory(username="alice")
    for _ in range(3):
        login("alice", "wrong", remote="198.51.100.7")

    assert login("alice", "password", remote="198.51.100.7").status_code == 429
    assert login("alice", "password", remote="198.51.100.8").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=0, AXES_FAILURE_LIMIT=3)
def test_a_spoofed_header_from_a_direct_client_is_ignored(db, login):
    UserFactory(username="alice")
    for n in range(3):
        login("alice", "wrong", remote="198.51.100.7", forwarded=f"203.0.113.{n}")

    # A fresh forged address does not lift the lock: it follows REMOTE_ADDR.
    response = login("alice", "password", remote="198.51.100.7", forwarded="203.0.113.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    assert login("alice", "password", remote="198.51.100.8").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_RATE_LIMIT="10/10m", AXES_FAILURE_LIMIT=5)
def test_the_per_address_limit_stops_a_password_spray(db, login):
    UserFactory(username="alice")
    for n in range(10):
        response = login(f"user{n}", "Spring2026", remote=PROXY, forwarded="203.0.113.5")
        assert response.status_code == 200  # refused by the form, not yet by the limit

    attempts = AccessAttempt.objects.count()
    # Past the limit even the right password is not checked, and nothing is recorded.
    response = login("alice", "password", remote=PROXY, forwarded="203.0.113.5")
    assert response.status_code == 429
    body = response.content.decode()
    assert LIMITED in body
    assert "请稍后再试" in body
    assert AccessAttempt.objects.count() == attempts
    # Another client behind the same proxy is not affected.
    assert login("alice", "password", remote=PROXY, forwarded="203.0.113.6").status_code == 302


@override_settings(LOGIN_RATE_LIMIT="2/10m")
def test_the_limit_counts_only_failed_sign_ins(db, client, login):
    """A whole office behind one address signs in every morning: only failures count."""
    UserFactory(username="alice")
    for _ in range(5):
        assert client.get("/accounts/login/").status_code == 200
        assert login("alice", "password").status_code == 302
    assert login("alice", "wrong").status_code == 200
    assert login("alice", "password").status_code == 302
    assert login("alice", "wrong").status_code == 200
    assert login("alice", "password").status_code == 429


@override_settings(LOGIN_RATE_LIMIT="2/10m")
def test_sign_in_goes_on_while_the_cache_is_unreachable(db, login):
    UserFactory(username="alice")
    gone = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    # Sessions in the database: this is about the rate limit, not the cached sessions of CI.
    with override_settings(CACHES=gone, SESSION_ENGINE="django.contrib.sessions.backends.db"):
        for _ in range(3):
            assert login("alice", "password").status_code == 302


@override_settings(LOGIN_RATE_LIMIT="2/10m")
def test_an_ipv6_client_cannot_escape_the_limit_by_changing_address_within_its_network(db, login):
    for n in range(2):
        assert login("alice", "wrong", remote=f"2001:db8:1:2::{n + 1}").status_code == 200
    assert login("alice", "wrong", remote="2001:db8:1:2::99").status_code == 429
    assert login("alice", "wrong", remote="2001:db8:1:3::1").status_code == 200
