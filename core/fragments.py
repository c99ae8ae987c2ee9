"""Rendered fragments kept in the shared cache (settings.CACHES) under the state they show.

A page that renders a costly table (coverage of a district's towns, a public board) names the
state of the rows it reads: the ids and versions of the counter rows (core.rollups), whose
versions only grow. The key is made of that name, so a write that changes what the fragment
shows makes the old entry unreachable: nothing is ever invalidated by hand, and what is cached is
never out of date. Entries no longer reached expire.
"""

import hashlib
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import DatabaseError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# How long an entry is kept when nothing reaches it any more.
FRAGMENT_SECONDS = 24 * 3600


def key(name: str, *state) -> str:
    digest = hashlib.sha1(repr(state).encode(), usedforsecurity=False).hexdigest()
    return f"fragment:{name}:{digest}"


def cached(name: str, *state, render: Callable[[], object]):
    """What `render()` returns for this state, rendered once and then read from the cache.

    The cache only saves work: while it is unreachable (Redis restarting), pages render afresh."""
    try:
        return cache.get_or_set(key(name, *state), render, FRAGMENT_SECONDS)
    except (RedisError, DatabaseError, OSError) as error:
        logger.warning("fragment cache unavailable, rendering %s afresh: %s", name, error)
        return render()
