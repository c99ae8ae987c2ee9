"""The public pages (no login) are rate-limited per client address: the board, its poster and the
ballot with its code entry. Past the limit a client gets a Chinese page with 429, never cached;
other addresses are still served, and RATE_LIMIT_EXEMPT_LOOPBACK lifts it for the load test."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from core import ratelimits

from ..factories import make_campaign, make_pledge

LIMIT = 3


@pytest.fixture
def limited(settings, district):
    settings.BOARD_RATE_LIMIT = settings.POSTER_RATE_LIMIT = f"{LIMIT}/m"
    settings.BALLOT_RATE_LIMIT = f"{LIMIT}/m"
    campaign = make_campaign(district.root)
    make_pledge(campaign, member=district.member_b, state="published")
    return district


def _urls(d):
    return [f"/board/{d.branch_b.pk}/", f"/board/{d.branch_b.pk}/poster.pdf", "/e/"]


def test_it_refuses_the_request_past_the_limit_with_a_page_in_chinese(client, limited):
    for url in _urls(limited):
        for _ in range(LIMIT):
            assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200, url
        response = client.get(url, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 429, url
        assert "访问过于频繁" in response.content.decode()
        # A proxy in front must not serve the refusal to everybody.
        assert response["Cache-Control"] == "private, no-store"


def test_the_code_entry_counts_too(client, limited):
    for _ in range(LIMIT):
        assert client.post("/e/", {"code": "x"}, REMOTE_ADDR="203.0.113.7").status_code == 200
    assert client.post("/e/", {"code": "x"}, REMOTE_ADDR="203.0.113.7").status_code == 429


def test_another_address_is_still_served(client, limited):
    for url in _urls(limited):
        for _ in range(LIMIT + 1):
            client.get(url, REMOTE_ADDR="203.0.113.7")
        assert client.get(url, REMOTE_ADDR="203.0.113.8").status_code == 200, url


def test_the_load_tests_exemption_lifts_it_for_the_loopback_client(client, limited, settings):
    settings.RATE_LIMIT_EXEMPT_LOOPBACK = True
    for url in _urls(limited):
        for _ in range(LIMIT + 2):
            assert client.get(url, REMOTE_ADDR="127.0.0.1").status_code == 200, url
        assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200


def test_the_board_is_still_served_from_its_cache(client, limited, monkeypatch):
    """Once drawn, the board comes from the shared cache for every counted request, and keeps
    its own Cache-Control for the proxy."""
    from pledges import selectors

    url = f"/board/{limited.branch_b.pk}/"
    first = client.get(url, REMOTE_ADDR="203.0.113.7")
    assert "max-age=60" in first["Cache-Control"] and "public" in first["Cache-Control"]

    def drawn_again(*args, **kwargs):
        raise AssertionError("the board was drawn again")

    monkeypatch.setattr(selectors, "public_board", drawn_again)
    assert client.get(url, REMOTE_ADDR="203.0.113.8").content == first.content


class Spy:
    """Counts the operations asked of the cache (not the calls they make inside) and, on Redis,
    the round trips to the server."""

    def __init__(self, monkeypatch, cache):
        self.calls, self.depth = [], 0
        for name in ("get", "set", "add", "incr", "get_many", "get_or_set", "touch", "has_key"):
            monkeypatch.setattr(cache, name, self._counting(name, getattr(cache, name)))
        if isinstance(cache, RedisCache):
            import redis.client

            for cls, name in (
                (redis.client.Redis, "execute_command"),
                (redis.client.Pipeline, "execute"),
            ):
                monkeypatch.setattr(cls, name, self._counting(f"redis {name}", getattr(cls, name)))

    def _counting(self, name, original):
        def counted(*args, **kwargs):
            if self.depth == 0:
                self.calls.append(name)
            self.depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self.depth -= 1

        return counted


def test_the_check_is_one_cache_operation(db, monkeypatch):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7")
    cache = caches["default"]
    ratelimits.exceeded(request, group="test-one", rate="5/m")  # the window's first
    spy = Spy(monkeypatch, cache)
    assert not ratelimits.exceeded(request, group="test-one", rate="5/m")
    monkeypatch.undo()
    assert len(spy.calls) == 1, spy.calls
