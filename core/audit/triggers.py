"""The triggers that keep the audit trail, written from the declarations in core.audit.

SQLite gets three row triggers per tracked table. PostgreSQL gets three statement triggers that
read the statement's transition tables, so a bulk update of 100,000 rows costs one INSERT … SELECT
rather than 100,000 function calls. Both write the same snapshot: the tracked fields by attname,
booleans as JSON booleans, JSON fields as JSON, dates as ISO text, datetimes as each database
writes them (both read back by the trail) and masked fields starred but for their last four
characters (entirely, under eight). An update also keeps the snapshot from before it, and is
recorded only when a tracked field really changed (compared before masking). `install`
(re)creates the triggers when `problems` finds anything amiss, after every migrate; the system
check reports what `problems` finds.
"""

import re

from django.db import connections, models

from . import AUDIT_TABLE, Tracked, tracked

OPERATIONS = ("insert", "update", "delete")
PREFIX = "audit_"
LIKE_PREFIX = "audit!_%"  # LIKE pattern of the names, "_" taken literally
COLUMNS = "model, row_id, parent_id, operation, at, actor_id, snapshot, before"


def _q(name: str) -> str:
    return f'"{name}"'


def trigger_name(item: Tracked, operation: str) -> str:
    return f"{PREFIX}{item.table}_{operation}"


def function_name(item: Tracked) -> str:
    return f"{PREFIX}{item.table}"


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_value(item: Tracked, field: models.Field, row: str, raw: bool) -> str:
    column = f"{row}.{_q(field.column)}"
    if field.attname in item.hide and not raw:
        stars = "*" * (field.max_length or 255)
        return (
            f"CASE WHEN {column} IS NULL OR {column} = '' THEN {column} "
            f"ELSE substr('{stars}', 1, length({column})) END"
        )
    if field.attname in item.mask and not raw:
        stars = "*" * (field.max_length or 255)
        return (
            f"CASE WHEN {column} IS NULL OR {column} = '' THEN {column} "
            f"WHEN length({column}) < 8 THEN substr('{stars}', 1, length({column})) "
            f"ELSE substr('{stars}', 1, length({column}) - 4) || substr({column}, -4) END"
        )
    if isinstance(field, models.BooleanField):
        return (
            f"CASE WHEN {column} IS NULL THEN NULL "
            f"WHEN {column} THEN json('true') ELSE json('false') END"
        )
    if isinstance(field, models.JSONField):
        return f"json({column})"
    return column


def _sqlite_snapshot(item: Tracked, row: str, raw: bool = False) -> str:
    """The JSON of the row's tracked fields; raw: with masked fields as they are, to compare."""
    pairs = ", ".join(f"'{f.attname}', {_sqlite_value(item, f, row, raw)}" for f in item.fields)
    return f"json_object({pairs})"


def sqlite_triggers(item: Tracked) -> dict[str, str]:
    """name → CREATE TRIGGER statement, as SQLite keeps it in sqlite_master."""
    statements = {}
    pk = _q(item.model._meta.pk.column)
    for operation in OPERATIONS:
        row = "OLD" if operation == "delete" else "NEW"
        parent = f"{row}.{_q(item.parent.column)}" if item.parent else "NULL"
        values = ", ".join(
            [
                f"'{item.label}'",
                f"{row}.{pk}",
                parent,
                f"'{operation}'",
                "strftime('%Y-%m-%d %H:%M:%f', 'now')",
                "NULL",  # filled in as the audited() block that wrote it ends
                _sqlite_snapshot(item, row),
                _sqlite_snapshot(item, "OLD") if operation == "update" else "NULL",
            ]
        )
        when = (
            f" WHEN {_sqlite_snapshot(item, 'OLD', raw=True)} "
            f"IS NOT {_sqlite_snapshot(item, 'NEW', raw=True)}"
            if operation == "update"
            else ""
        )
        name = trigger_name(item, operation)
        statements[name] = (
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {_q(item.table)}{when} "
            f"BEGIN INSERT INTO {AUDIT_TABLE} ({COLUMNS}) VALUES ({values}); END"
        )
    return statements


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_value(item: Tracked, field: models.Field, row: str, raw: bool) -> str:
    column = f"{row}.{_q(field.column)}"
    if field.attname in item.hide and not raw:
        return (
            f"CASE WHEN {column} IS NULL OR {column} = '' THEN {column} "
            f"ELSE repeat('*', length({column})) END"
        )
    if field.attname in item.mask and not raw:
        return (
            f"CASE WHEN {column} IS NULL OR {column} = '' THEN {column} "
            f"WHEN length({column}) < 8 THEN repeat('*', length({column})) "
            f"ELSE repeat('*', length({column}) - 4) || right({column}, 4) END"
        )
    return column


def _pg_snapshot(item: Tracked, row: str, raw: bool = False) -> str:
    """The JSON of the row's tracked fields; raw: with masked fields as they are, to compare."""
    pairs = ", ".join(f"'{f.attname}', {_pg_value(item, f, row, raw)}" for f in item.fields)
    return f"jsonb_build_object({pairs})"


def pg_function_body(item: Tracked) -> str:
    """The body of the trigger function, exactly as pg_proc.prosrc keeps it."""
    pk = _q(item.model._meta.pk.column)

    def parent(row):
        return f"{row}.{_q(item.parent.column)}" if item.parent else "NULL::bigint"

    def select(operation, row, source):
        return (
            f"INSERT INTO {AUDIT_TABLE} ({COLUMNS}) "
            f"SELECT '{item.label}', {row}.{pk}, {parent(row)}, '{operation}', clock_timestamp(), "
            f"v_actor, {_pg_snapshot(item, row)}, NULL FROM {source} AS {row};"
        )

    def rows(row, source, *extra):
        return (
            f"SELECT {row}.{pk} AS id, {''.join(e + ', ' for e in extra)}"
            f"{_pg_snapshot(item, row)} AS snapshot, {_pg_snapshot(item, row, raw=True)} AS raw "
            f"FROM {source} AS {row}"
        )

    update = (
        f"INSERT INTO {AUDIT_TABLE} ({COLUMNS}) "
        f"SELECT '{item.label}', n.id, n.parent, 'update', clock_timestamp(), v_actor, "
        f"n.snapshot, o.snapshot "
        f"FROM ({rows('n', 'new_rows', parent('n') + ' AS parent')}) AS n "
        f"JOIN ({rows('o', 'old_rows')}) AS o ON o.id = n.id WHERE n.raw IS DISTINCT FROM o.raw;"
    )
    return (
        "\nDECLARE\n"
        "    v_actor bigint := NULLIF(current_setting('ccz.actor_id', true), '')::bigint;\n"
        "BEGIN\n"
        "    IF TG_OP = 'INSERT' THEN\n"
        f"        {select('insert', 'n', 'new_rows')}\n"
        "    ELSIF TG_OP = 'UPDATE' THEN\n"
        f"        {update}\n"
        "    ELSE\n"
        f"        {select('delete', 'o', 'old_rows')}\n"
        "    END IF;\n"
        "    RETURN NULL;\n"
        "END\n"
    )


PG_REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def pg_statements(item: Tracked) -> list[str]:
    function = function_name(item)
    statements = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $audit${pg_function_body(item)}$audit$"
    ]
    for operation in OPERATIONS:
        name = trigger_name(item, operation)
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {_q(item.table)}",
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {_q(item.table)} "
            f"{PG_REFERENCING[operation]} FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    return statements


# --- Installing and checking ----------------------------------------------------------------------


def _vendor(connection) -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no audit triggers for {connection.vendor}")
    return connection.vendor


def _present(connection) -> list[Tracked]:
    """The tracked models whose tables exist (a migration may not have created them yet)."""
    tables = set(connection.introspection.table_names())
    if AUDIT_TABLE not in tables:
        return []
    return [item for item in tracked() if item.table in tables]


SQLITE_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '!'"
)
PG_TRIGGERS = (
    "SELECT t.tgname, c.relname, t.tgenabled FROM pg_trigger t "
    "JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE NOT t.tgisinternal AND t.tgname LIKE %s ESCAPE '!'"
)


# pg_trigger.tgenabled of a trigger that fires in ordinary sessions: O (origin), A (always).
FIRING = ("O", "A")


def _normal(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def problems(connection) -> list[str]:
    """What is amiss: a tracked table without its triggers, a stale definition, a disabled
    trigger, a trigger left on a table no longer tracked. Empty when the trail is complete."""
    found = []
    items = _present(connection)
    with connection.cursor() as cursor:
        if _vendor(connection) == "sqlite":
            cursor.execute(SQLITE_TRIGGERS, [LIKE_PREFIX])
            existing = {name: sql for name, sql in cursor.fetchall()}
            expected = set()
            for item in items:
                for name, sql in sqlite_triggers(item).items():
                    expected.add(name)
                    if name not in existing:
                        found.append(f"{item.table}: trigger {name} is missing")
                    elif _normal(existing[name]) != _normal(sql):
                        found.append(f"{item.table}: trigger {name} is out of date")
            found += [
                f"trigger {name} is of a table no longer tracked"
                for name in sorted(existing.keys() - expected)
            ]
            return found
        cursor.execute(PG_TRIGGERS, [LIKE_PREFIX])
        triggers = {name: (table, enabled) for name, table, enabled in cursor.fetchall()}
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE %s ESCAPE '!'", [LIKE_PREFIX]
        )
        functions = dict(cursor.fetchall())
    expected_triggers, expected_functions = set(), set()
    for item in items:
        expected_functions.add(function_name(item))
        body = functions.get(function_name(item))
        if body is None:
            found.append(f"{item.table}: function {function_name(item)}() is missing")
        elif body != pg_function_body(item):
            found.append(f"{item.table}: function {function_name(item)}() is out of date")
        for operation in OPERATIONS:
            name = trigger_name(item, operation)
            expected_triggers.add(name)
            table, enabled = triggers.get(name, (None, None))
            if table != item.table:
                found.append(f"{item.table}: trigger {name} is missing")
            elif enabled not in FIRING:
                found.append(f"{item.table}: trigger {name} is disabled")
    found += [
        f"trigger {name} is of a table no longer tracked"
        for name in sorted(triggers.keys() - expected_triggers)
    ]
    found += [
        f"function {name}() is of a table no longer tracked"
        for name in sorted(functions.keys() - expected_functions)
    ]
    return found


def install(connection) -> None:
    """Creates or replaces the triggers of every tracked table that exists, and drops those of
    tables no longer tracked."""
    items = _present(connection)
    with connection.cursor() as cursor:
        if _vendor(connection) == "sqlite":
            wanted = {}
            for item in items:
                wanted.update(sqlite_triggers(item))
            cursor.execute(SQLITE_TRIGGERS, [LIKE_PREFIX])
            for name, _sql in cursor.fetchall():
                if name not in wanted:
                    cursor.execute(f"DROP TRIGGER {name}")
            for name, sql in wanted.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(sql)
            return
        wanted_functions = {function_name(item) for item in items}
        cursor.execute(PG_TRIGGERS, [LIKE_PREFIX])
        for name, table, _enabled in cursor.fetchall():
            if not any(name == trigger_name(i, op) for i in items for op in OPERATIONS):
                cursor.execute(f"DROP TRIGGER {name} ON {_q(table)}")
        cursor.execute(
            "SELECT proname FROM pg_proc WHERE proname LIKE %s ESCAPE '!'", [LIKE_PREFIX]
        )
        for (name,) in cursor.fetchall():
            if name not in wanted_functions:
                cursor.execute(f"DROP FUNCTION {name}()")
        for item in items:
            for statement in pg_statements(item):
                cursor.execute(statement)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor in ("sqlite", "postgresql") and problems(connection):
        install(connection)
