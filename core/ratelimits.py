"""Rate limits per client address, counted by django-ratelimit in the shared cache (CACHES).

The address is core.clientip's, so a limit follows the real client behind the trusted proxies and
every web process counts in the same place (Redis in production, the database table on the
embedded default).
"""

import functools
import ipaddress
import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django_ratelimit.core import (
    EXPIRATION_FUDGE,
    _get_window,
    _make_cache_key,
    _split_rate,
    get_usage,
)
from redis.exceptions import RedisError

from .clientip import client_ip

logger = logging.getLogger(__name__)


def by_client_ip(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the client's address; for IPv6 its /64 network, since one host is
    commonly given a whole /64 and could otherwise change address at every attempt."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def exceeded(request: HttpRequest, *, group: str, rate: str, count: bool = True) -> bool:
    """Counts this request against `rate` ("30/10m") for its client address in `group`; True once
    the client has gone past it. With count=False it only asks (a limit on failures counts them
    once they have failed).

    While the cache is unreachable nothing is counted and nothing refused: a limit only adds to
    the guards kept in the database (the login lockout). With RATE_LIMIT_EXEMPT_LOOPBACK (the
    load test's server only) the loopback client is never limited."""
    if settings.RATE_LIMIT_EXEMPT_LOOPBACK and ipaddress.ip_address(client_ip(request)).is_loopback:
        return False
    try:
        if count:
            return _increment(request, group, rate)
        # Only asking: refused once as many as the rate allows have been counted.
        usage = get_usage(request, group=group, key=by_client_ip, rate=rate, increment=False)
        return usage is not None and usage["count"] >= usage["limit"]
    except (RedisError, DatabaseError, OSError) as error:
        logger.warning("rate limit %s not counted, the cache is unavailable: %s", group, error)
        return False


def _increment(request: HttpRequest, group: str, rate: str) -> bool:
    """Counts the request under django-ratelimit's key for this window (get_usage reads the same
    counter), in one operation on the cache: on Redis one round trip (INCR, which makes the key,
    and its expiry, pipelined); elsewhere an incr, or an add for the window's first request."""
    limit, period = _split_rate(rate)
    value = by_client_ip(group, request)
    key = _make_cache_key(group, _get_window(value, period), rate, value, None)
    cache = caches[settings.RATELIMIT_USE_CACHE]
    if isinstance(cache, RedisCache):
        key = cache.make_and_validate_key(key)
        pipe = cache._cache.get_client(key, write=True).pipeline(transaction=False)
        count, _ = pipe.incr(key).expire(key, period + EXPIRATION_FUDGE).execute()
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1 if cache.add(key, 1, period + EXPIRATION_FUDGE) else cache.incr(key)
    return count > limit


def limit(group: str, setting: str):
    """A view decorator: every request counts against settings.<setting> for its client address
    in `group`; past it the view does not run and the client is told to wait (429), on a page
    drawn without the request and never cached, so a shared cache in front never serves it to
    others. Put it outside any cache_control of the view."""

    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            if exceeded(request, group=group, rate=getattr(settings, setting)):
                html = render_to_string("core/rate_limited.html")
                response = HttpResponse(html, status=429)
                response["Cache-Control"] = "private, no-store"
                response["X-Robots-Tag"] = "noindex"
                return response
            return view(request, *args, **kwargs)

        return limited

    return decorator
