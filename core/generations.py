"""Copies, kept in each web process, of what nearly every signed-in request reads again: the user,
their roles, the organisation a page is about and its ancestors, the campaign it shows. A copy is
used only while nothing it was read from has changed, so it is never stale.

One number says whether anything changed: the generation, the single row of `core_generation`.
Database triggers (core.rollups installs and checks them like the counters' triggers) set it to a
new random number after every statement that writes to a watched table, whoever writes: a
service, the admin, an import's raw SQL, a hand-typed UPDATE, a flush. Apps name their tables with
`watch()`; core watches the users, whose `last_login` alone moves nothing (a sign-in must not
throw away everyone's copies).

A request reads the generation with one short SELECT the first time it wants a copy, and reads it
again after any statement of its own that is not a SELECT (it may have just changed what it
reads). `remembered(kind, key, load)` returns the copy kept under that generation, or calls
`load()` and keeps its result. A random number, never a counter: a transaction that changed a
watched table and kept copies under its own generation may roll back, and the number it set is
then never seen again, where a counter would come back to it with other rows behind it.

Outside a request (Celery tasks, management commands, services called from tests) nothing is
kept or used: every read goes to the database as before. Model instances are handed out as copies,
so a view that changes one (a form bound to it) cannot change what the next request gets.
"""

import copy
import random
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import connection, connections, models

from . import rollups
from .models import Generation

TABLE = Generation._meta.db_table
ROW = 1
# Copies per process: the users, roles and organisations a worker serves in a working day.
SIZE = 20_000

_watched: dict[str, tuple[str, ...] | None] = {}
_copies: OrderedDict = OrderedDict()
_lock = threading.Lock()


class _Request:
    """What one request knows of the generation: None until it is read, and again after a write."""

    __slots__ = ("generation",)

    def __init__(self):
        self.generation = None


_request: ContextVar[_Request | None] = ContextVar("core_generations_request", default=None)


def watch(table: str, columns: tuple[str, ...] | None = None) -> None:
    """Writes to `table` change the generation; with `columns`, updates only of those columns."""
    _watched[table] = columns


def remembered(kind: str, key, load: Callable[[], object]):
    """What `load()` returns: this process's copy while nothing changed since it was kept."""
    if _request.get() is None:  # nothing kept outside a request: what load() read is fresh
        return load()
    return copied(kept(kind, key, load))


def kept(kind: str, key, load: Callable[[], object]):
    """As `remembered`, but the kept value itself, not a copy: for a caller that only reads it and
    hands out copies (`copied`) of what it picks from it."""
    state = _request.get()
    if state is None:
        return load()
    generation = _generation(state)
    if generation is None:  # the row is gone (a flush) until the next migrate puts it back
        return load()
    slot = (kind, key)
    with _lock:
        entry = _copies.get(slot)
        if entry is not None and entry[0] == generation:
            _copies.move_to_end(slot)
            return entry[1]
    value = load()
    with _lock:
        _copies[slot] = (generation, value)
        _copies.move_to_end(slot)
        while len(_copies) > SIZE:
            _copies.popitem(last=False)
    return value


def forget() -> None:
    """Drops every copy (tests that count queries start from nothing)."""
    with _lock:
        _copies.clear()


def _generation(state: _Request) -> int | None:
    if state.generation is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT version FROM {TABLE} WHERE id = %s", [ROW])
            row = cursor.fetchone()
        state.generation = row[0] if row else None
    return state.generation


def copied(value):
    """A copy a caller may change: model instances (and those they hold) copied, lists anew."""
    if isinstance(value, models.Model):
        instance = copy.copy(value)
        cache = instance._state.fields_cache
        for name, related in cache.items():
            if isinstance(related, models.Model):
                cache[name] = copy.copy(related)
        return instance
    if isinstance(value, list):
        return [copied(item) for item in value]
    return value


def middleware(get_response):
    """Gives each request its view of the generation, and forgets it at each write the request
    makes (any statement but a read: an INSERT, an UPDATE, a savepoint around one)."""

    def handle(request):
        token = _request.set(_Request())
        try:
            with connection.execute_wrapper(_watch_writes):
                return get_response(request)
        finally:
            _request.reset(token)

    return handle


# A read: a SELECT, or a WITH whose parts only read (a CTE may also INSERT, UPDATE or DELETE).
READ = re.compile(r"\s*(SELECT\b|WITH\b(?!.*\b(INSERT|UPDATE|DELETE|MERGE)\b))", re.I | re.S)


def _watch_writes(execute, sql, params, many, context):
    if not READ.match(sql):
        state = _request.get()
        if state is not None:
            state.generation = None
    return execute(sql, params, many, context)


# --- The triggers ---------------------------------------------------------------------------------


def _new_version(vendor: str) -> str:
    # SQLite's random() is 64 bits; PostgreSQL's is a double with 52 of them: either way a number
    # seen twice among the few each process keeps copies under is not to be expected.
    if vendor == "sqlite":
        return "abs(random())"
    return "floor(random() * 4503599627370496)::bigint"


def _bump(vendor: str) -> str:
    return f"UPDATE {TABLE} SET version = {_new_version(vendor)} WHERE id = {ROW}"


def _triggers(vendor: str) -> list[rollups.Trigger]:
    user = get_user_model()
    # A sign-in sets last_login alone: it must not throw away everyone's copies.
    user_columns = tuple(
        f.column for f in user._meta.concrete_fields if f.name not in ("id", "last_login")
    )
    watched = _watched | {user._meta.db_table: user_columns}
    triggers = []
    for table, columns in sorted(watched.items()):
        name = f"rollup_generation_{table}"
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        if vendor == "sqlite":
            for event in ("INSERT", update, "DELETE"):
                suffix = event.split()[0].lower()
                triggers.append(
                    rollups.sqlite_trigger(f"{name}_{suffix}", table, event, [_bump(vendor)])
                )
            continue
        body = f"\nBEGIN\n    {_bump(vendor)};\n    RETURN NULL;\nEND\n"
        sql = (
            f'CREATE TRIGGER {name} AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
        triggers.append(rollups.Trigger(name, table, sql, body))
    return triggers


def ensure_row(sender=None, using="default", **kwargs) -> None:
    """Puts the generation row back where a migrate made the table or a flush emptied it."""
    if TABLE not in connections[using].introspection.table_names():
        return
    Generation.objects.using(using).get_or_create(
        pk=ROW, defaults={"version": random.getrandbits(52)}
    )


# The generation as a rollup with no counters: its triggers are installed, checked and put right
# with the others; there is nothing to recount.
rollups.register(
    rollups.Rollup(
        model=Generation, keys=("id",), counts=(), reference="SELECT 1 AS id", triggers=_triggers
    )
)
