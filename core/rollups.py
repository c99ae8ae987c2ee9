"""Rollups: counters kept by database triggers, so that the district's figures are a sum over a
few thousand counter rows instead of a join over a hundred thousand members.

An app declares each rollup once, in its `rollups.py` (imported by its AppConfig.ready):

    rollups.register(Rollup(model=MemberTally, keys=("organization_id",), counts=("members",),
                            reference="SELECT branch_id, COUNT(*) FROM orgs_member …",
                            triggers=member_tally_triggers))

- `reference` is the brute-force SELECT of the keys and counts from the source tables: the
  definition the triggers must agree with, which `verify` compares and `fix` copies. A key
  absent from one side counts as all zeros on it.
- `triggers(vendor)` returns the triggers that keep the counters right whatever writes the source
  rows: services, the admin, an import's bulk SQL, a hand-typed UPDATE. They add the difference
  each write makes (an UPSERT that adds), so two writers never overwrite each other's counts, and
  bump the row's `version` on every change, including changes that move no counter (a renamed
  member): pages cache what they render under the versions of the rows they read.
  SQLite gets row triggers; PostgreSQL gets statement triggers over the transition tables, so a
  bulk import of 100,000 members updates each counter row once per statement, not per member.

As with the audit triggers, after every `migrate` the triggers are put right, and a rollup whose
triggers were missing or stale is recomputed from its reference (its counts may have missed
writes); the system check (core.E002) fails while any is amiss. `manage.py rollups --verify`
recomputes every rollup and reports drift; `--fix` repairs it; a nightly beat task verifies.

Every counter table also has a stamp (`stamps`): each statement that fires its triggers adds one
to a row of `core_rollupstamp` chosen by the writer's connection, so a cache key over a whole
table is read from a few rows rather than summing thousands of versions.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models, transaction

from . import replica

logger = logging.getLogger(__name__)

PREFIX = "rollup_"
LIKE_PREFIX = "rollup!_%"  # LIKE pattern of the names, "_" taken literally


@dataclass(frozen=True)
class Trigger:
    """One trigger, as the database keeps it.

    SQLite: `sql` is the CREATE TRIGGER statement. PostgreSQL: `sql` is the CREATE TRIGGER
    statement and `body` the body of its own function, named like the trigger.
    """

    name: str
    table: str
    sql: str
    body: str = ""


@dataclass(frozen=True)
class Rollup:
    model: type[models.Model]
    keys: tuple[str, ...]  # columns that identify a counter row
    counts: tuple[str, ...]  # the counters
    reference: str  # SELECT keys…, counts… computed from the source tables
    triggers: Callable[[str], list[Trigger]]  # vendor → the triggers that keep the counters

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def name(self) -> str:
        return self.model._meta.label


_registry: list[Rollup] = []


def register(rollup: Rollup) -> Rollup:
    if not any(r.model is rollup.model for r in _registry):
        _registry.append(rollup)
    return rollup


def registered() -> list[Rollup]:
    return list(_registry)


# --- Building blocks for the apps' trigger SQL ----------------------------------------------------


def upsert(
    table: str, keys: tuple[str, ...], counts: tuple[str, ...], source: str, where: str = "true"
) -> str:
    """Adds the summed counts of `source` (a SELECT of keys and counts, one row per change) to
    the counter rows, creating missing ones, and bumps each touched row's version.

    Rows in `source` whose counts sum to zero still bump the version: something they show changed.
    `where` keeps out keys whose rows are gone (a flush deleting table after table); it is also
    what keeps SQLite from reading ON CONFLICT as a join's ON.
    """
    key_list = ", ".join(keys)
    columns = ", ".join([*keys, *counts, "version"])
    sums = ", ".join([*keys, *(f"SUM({c})" for c in counts), "1"])
    updates = ", ".join(
        [*(f"{c} = {table}.{c} + excluded.{c}" for c in counts), f"version = {table}.version + 1"]
    )
    return (
        f"INSERT INTO {table} ({columns}) SELECT {sums} FROM ({source}) AS x WHERE {where} "
        f"GROUP BY {key_list} ORDER BY {key_list} "
        f"ON CONFLICT ({key_list}) DO UPDATE SET {updates}"
    )


def existing_row(table: str, keys: tuple[str, ...]) -> str:
    """An `upsert` condition for deletes: only counter rows that exist are changed. A delete
    never needs a new row, and while a flush empties table after table it must not leave one
    behind for a row that is about to go."""
    match = " AND ".join(f"{table}.{key} = x.{key}" for key in keys)
    return f"EXISTS (SELECT 1 FROM {table} WHERE {match})"


def writers(table: str, keys: tuple[str, ...], counts: tuple[str, ...], existing: str):
    """The two statements a rollup's triggers write with: `keep(source)` adds a change to the
    counter rows of keys whose source rows exist (`existing`, an `upsert` condition), creating
    missing counter rows; `drop(source)`, for deletes, changes only counter rows that exist."""

    def keep(source: str) -> str:
        return upsert(table, keys, counts, source, existing)

    def drop(source: str) -> str:
        return upsert(table, keys, counts, source, existing_row(table, keys))

    return keep, drop


def sqlite_row(row: str, columns: tuple[str, ...]) -> str:
    """The OLD or NEW row of a SQLite row trigger as a one-row table the trigger's SELECTs read."""
    return "(SELECT " + ", ".join(f"{row}.{c} AS {c}" for c in columns) + ")"


PG_REFERENCING = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def pg_trigger(name: str, table: str, operation: str, statements: list[str]) -> Trigger:
    """A statement trigger on `table` running `statements`, which read `new_rows`/`old_rows`."""
    body = "\nBEGIN\n" + "".join(f"    {s};\n" for s in statements) + "    RETURN NULL;\nEND\n"
    sql = (
        f'CREATE TRIGGER {name} AFTER {operation} ON "{table}" {PG_REFERENCING[operation]} '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
    )
    return Trigger(name, table, sql, body)


def sqlite_trigger(name: str, table: str, event: str, statements: list[str], when="") -> Trigger:
    """A row trigger on `table` for `event` (e.g. "UPDATE OF branch_id, active")."""
    condition = f" WHEN {when}" if when else ""
    body = " ".join(f"{s};" for s in statements)
    sql = f'CREATE TRIGGER {name} AFTER {event} ON "{table}"{condition} BEGIN {body} END'
    return Trigger(name, table, sql)


# --- Installing and checking ----------------------------------------------------------------------


# --- Stamps: a counter table's changes counted in a few rows (core.models.RollupStamp) ---------

STAMPS = "core_rollupstamp"
# Shards of a table's stamp: a statement adds to its connection's (PostgreSQL's backend pid), so
# writers on different connections seldom touch the same row.
STAMP_SHARDS = 128


def stamp_sql(table: str, vendor: str) -> str:
    """The statement that adds one to `table`'s stamp, in the writer's transaction."""
    shard = f"pg_backend_pid() % {STAMP_SHARDS}" if vendor == "postgresql" else "0"
    return (
        f"INSERT INTO {STAMPS} (name, shard, version) VALUES ('{table}', {shard}, 1) "
        f"ON CONFLICT (name, shard) DO UPDATE SET version = {STAMPS}.version + 1"
    )


def _stamped(trigger: Trigger, rollup: Rollup, vendor: str) -> Trigger:
    """The trigger with the rollup's stamp added after its own statements."""
    statement = stamp_sql(rollup.table, vendor)
    if vendor == "sqlite":
        head, _end = trigger.sql.rsplit(" END", 1)
        return Trigger(trigger.name, trigger.table, f"{head} {statement}; END")
    body = trigger.body.replace("    RETURN NULL;", f"    {statement};\n    RETURN NULL;", 1)
    return Trigger(trigger.name, trigger.table, trigger.sql, body)


def stamps(*models) -> tuple[int, ...]:
    """The stamps of the counter tables of `models`, in their order: each grows with every
    committed change to its table (what a cache key is made of)."""
    tables = [model._meta.db_table for model in models]
    marks = ", ".join(["%s"] * len(tables))
    # From the database the figures keyed by them are read from (core/replica.py).
    with replica.reader().cursor() as cursor:
        cursor.execute(
            f"SELECT name, COALESCE(SUM(version), 0) FROM {STAMPS} WHERE name IN ({marks}) "
            f"GROUP BY name",
            tables,
        )
        found = dict(cursor.fetchall())
    return tuple(int(found.get(table, 0)) for table in tables)


def _present(connection) -> list[Rollup]:
    """The rollups whose table exists (a migration may not have created it yet)."""
    tables = set(connection.introspection.table_names())
    return [r for r in registered() if r.table in tables]


def _wanted(connection) -> dict[str, tuple[Rollup, Trigger]]:
    tables = set(connection.introspection.table_names())
    wanted = {}
    for rollup in _present(connection):
        for trigger in rollup.triggers(connection.vendor):
            if trigger.table in tables:
                if rollup.counts and STAMPS in tables:
                    trigger = _stamped(trigger, rollup, connection.vendor)
                wanted[trigger.name] = (rollup, trigger)
    return wanted


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def _existing(cursor, vendor) -> dict[str, tuple[str, str]]:
    """name → (table, definition) of the rollup triggers in the database; on PostgreSQL the
    definition is the function's body, or "" for a disabled trigger."""
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND name LIKE %s ESCAPE '!'",
            [LIKE_PREFIX],
        )
        return {name: (table, sql) for name, table, sql in cursor.fetchall()}
    cursor.execute(
        "SELECT t.tgname, c.relname, CASE WHEN t.tgenabled IN ('O', 'A') THEN p.prosrc END "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "LEFT JOIN pg_proc p ON p.proname = t.tgname "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE %s ESCAPE '!'",
        [LIKE_PREFIX],
    )
    return {name: (table, body or "") for name, table, body in cursor.fetchall()}


def problems(connection) -> dict[str, list[str]]:
    """What is amiss, by rollup name (and "" for triggers of no rollup): missing, stale or
    disabled triggers. Empty when every rollup is kept."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return {}
    wanted = _wanted(connection)
    with connection.cursor() as cursor:
        existing = _existing(cursor, connection.vendor)
    found: dict[str, list[str]] = {}
    for name, (rollup, trigger) in wanted.items():
        table, definition = existing.get(name, (None, None))
        expected = trigger.sql if connection.vendor == "sqlite" else trigger.body
        if table != trigger.table:
            found.setdefault(rollup.name, []).append(f"trigger {name} is missing")
        elif _normal(definition) != _normal(expected):
            found.setdefault(rollup.name, []).append(f"trigger {name} is out of date or disabled")
    for name in sorted(existing.keys() - wanted.keys()):
        found.setdefault("", []).append(f"trigger {name} belongs to no rollup")
    return found


def install(connection) -> list[Rollup]:
    """(Re)creates the triggers of every rollup whose table exists, drops stray ones, and
    recomputes the rollups whose triggers were amiss. Returns those it recomputed."""
    amiss = problems(connection)
    wanted = _wanted(connection)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for name, (table, _definition) in _existing(cursor, connection.vendor).items():
            on = "" if connection.vendor == "sqlite" else f' ON "{table}"'
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        for name, (_rollup, trigger) in wanted.items():
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                    f"AS $rollup${trigger.body}$rollup$"
                )
            cursor.execute(trigger.sql)
    redone = [r for r in _present(connection) if r.name in amiss]
    for rollup in redone:
        fix(rollup, using=connection.alias)
    return redone


def install_after_migrate(sender, using="default", **kwargs) -> None:
    connection = connections[using]
    if problems(connection):
        install(connection)


# --- Verifying and repairing ----------------------------------------------------------------------


@dataclass(frozen=True)
class Drift:
    rollup: str
    key: tuple
    stored: tuple  # the counters as the table holds them (zeros: no row)
    expected: tuple  # as the reference computes them

    def __str__(self):
        return f"{self.rollup} {self.key}: stored {self.stored}, expected {self.expected}"


def _rows(cursor, sql: str, width: int) -> dict[tuple, tuple]:
    cursor.execute(sql)
    rows = {}
    for row in cursor.fetchall():
        key, counts = tuple(row[:width]), tuple(int(v or 0) for v in row[width:])
        if any(counts):
            rows[key] = counts
    return rows


def _compare(rollup: Rollup, cursor) -> list[Drift]:
    width = len(rollup.keys)
    columns = ", ".join([*rollup.keys, *rollup.counts])
    stored = _rows(cursor, f"SELECT {columns} FROM {rollup.table}", width)
    expected = _rows(cursor, rollup.reference, width)
    zeros = (0,) * len(rollup.counts)
    return [
        Drift(rollup.name, key, stored.get(key, zeros), expected.get(key, zeros))
        for key in sorted(stored.keys() | expected.keys(), key=str)
        if stored.get(key, zeros) != expected.get(key, zeros)
    ]


def verify(rollup: Rollup, using: str = "default") -> list[Drift]:
    """The counter rows that differ from a recount, read in one snapshot so that writes made
    meanwhile cannot look like drift."""
    connection = connections[using]
    outermost = not connection.in_atomic_block  # inside a transaction, its snapshot rules
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _compare(rollup, cursor)


def fix(rollup: Rollup, using: str = "default") -> list[Drift]:
    """Sets every drifted counter row to the recount; returns what it repaired.

    On PostgreSQL the counter table is locked against writers first (readers go on), so a write
    that commits meanwhile adds its difference after the repair rather than being lost in it.
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {rollup.table} IN EXCLUSIVE MODE")
        drifts = _compare(rollup, cursor)
        for drift in drifts:
            keys = " AND ".join(f"{k} = %s" for k in rollup.keys)
            sets = ", ".join(f"{c} = %s" for c in rollup.counts)
            cursor.execute(
                f"UPDATE {rollup.table} SET {sets}, version = version + 1 WHERE {keys}",
                [*drift.expected, *drift.key],
            )
            if cursor.rowcount == 0:
                columns = ", ".join([*rollup.keys, *rollup.counts, "version"])
                marks = ", ".join(["%s"] * (len(rollup.keys) + len(rollup.counts) + 1))
                cursor.execute(
                    f"INSERT INTO {rollup.table} ({columns}) VALUES ({marks})",
                    [*drift.key, *drift.expected, 1],
                )
        if drifts and STAMPS in connection.introspection.table_names():
            cursor.execute(stamp_sql(rollup.table, connection.vendor))
    return drifts


def verify_all(using: str = "default") -> list[Drift]:
    """Every rollup verified; each drift is logged as a warning (the nightly task's record)."""
    drifts = [d for r in _present(connections[using]) for d in verify(r, using)]
    for drift in drifts:
        logger.warning("rollup drift: %s", drift)
    return drifts
