"""Rate limits per client address, counted by django-ratelimit in the shared cache (CACHES).

The address is core.clientip's, so a limit follows the real client behind the trusted proxies and
every web process counts in the same place (Redis in production, the database table on the
embedded default).
"""

import ipaddress
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited
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
            return is_ratelimited(request, group=group, key=by_client_ip, rate=rate, increment=True)
        # Only asking: refused once as many as the rate allows have been counted.
        usage = get_usage(request, group=group, key=by_client_ip, rate=rate, increment=False)
        return usage is not None and usage["count"] >= usage["limit"]
    except (RedisError, DatabaseError, OSError) as error:
        logger.warning("rate limit %s not counted, the cache is unavailable: %s", group, error)
        return False
