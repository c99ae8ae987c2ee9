"""Sessions in the database with a copy in the shared cache (Django's `cached_db`), going on from
the database alone while the cache is unreachable (Redis restarting).

Django's `cached_db` tolerates a failed read and a failed write of the copy, but not the write
after a read from the database, nor the check that a new key is free, nor the removal at
logout: with Redis down, every signed-in page and every sign-in failed. The cache is no store of
record, so here each of those falls back to the database and logs a warning. A copy that could
not be removed at logout stays in Redis only if Redis kept its memory through the outage, and
only until it expires (SESSION_COOKIE_AGE).
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            return super().load()
        except CACHE_ERRORS as error:
            logger.warning("the session cache is unreachable, reading the database: %s", error)
            return DatabaseStore.load(self)

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except CACHE_ERRORS as error:
            logger.warning("the session cache is unreachable, asking the database: %s", error)
            return DatabaseStore.exists(self, session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)
        except CACHE_ERRORS as error:
            # The database's row, which the copy stands for, is gone already.
            logger.warning("the session cache is unreachable, its copy expires: %s", error)
