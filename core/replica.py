"""Reads that may be served by a read replica: the heavy, read-only work of dashboards, rankings
and export jobs, which tolerates a replica's second of lag.

With `DATABASE_REPLICA_URL` set (a PostgreSQL streaming replica of the primary, or a pgbouncer in
front of several), settings add the database alias `replica` and `ReplicaRouter`; what runs
inside `reads()` then reads from it. Everything else — sign-in, scope checks, forms, every
write, and any read that must see a write just made — stays on `default`, because the router
sends a read to the replica only inside that block and every write to `default` always. Without
the setting the block changes nothing, so the code is the same on one machine and on many.

Keep a block free of reads that follow a write of the same request: the replica may not have the
write yet. The cache keys of what is read there (rollup stamps) are read in the same block, so a
lagging replica gives a consistent, slightly older figure, never a stale one under a new key.
"""

import contextvars
from contextlib import contextmanager

from django.db import connections

REPLICA = "replica"

_reading = contextvars.ContextVar("replica_reads", default=False)


@contextmanager
def reads():
    """Reads inside the block go to the replica, when there is one."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def primary():
    """Reads inside the block from the primary again, within a `reads()` block: a row about to
    be written (a job's progress)."""
    token = _reading.set(False)
    try:
        yield
    finally:
        _reading.reset(token)


def reading() -> bool:
    return _reading.get()


def reader():
    """The connection a raw SQL read should use: the replica inside `reads()` where there is one,
    else the primary (the ORM's reads are routed by ReplicaRouter; a cursor is not)."""
    if _reading.get() and REPLICA in connections.settings:
        return connections[REPLICA]
    return connections["default"]


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads in a `reads()` block from the replica, all else default."""

    def db_for_read(self, model, **hints):
        if _reading.get() and REPLICA in connections.settings:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there may point at one here.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema through replication, never by migrate.
        return db != REPLICA
