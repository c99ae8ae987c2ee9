"""Bulk writers for plain rows: imports and other writes of many thousand rows at once.

A 100,000-row roster is 1.2 million values. bulk_create sends each one through the field
machinery (~7 s on two cores) and bulk_update builds a CASE expression per value (~2 minutes);
the values here are plain dates, strings and numbers, so they go to the database directly, in
the same multi-row INSERTs bulk_create would send. Only dates and datetimes need adapting.

Both write in batches of BATCH_SIZE rows and fire the audit triggers like any other write. On
PostgreSQL, insert_rows sends the rows with COPY into a temporary table and inserts them from
there in one statement: a VALUES list makes the server parse every row's parameters (about
three quarters of a 100,000-row import's time), COPY streams them, and the statement triggers
(audit, rollups) then run once over the whole set.
"""

import io

from django.db import connection, models

BATCH_SIZE = 2000


def _adapter(field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None


def _adapt(model, columns: list[str], rows: list[tuple]) -> tuple[list, list[tuple]]:
    fields = [model._meta.get_field(column) for column in columns]
    adapters = [(i, a, {None: None}) for i, a in enumerate(map(_adapter, fields)) if a]
    if adapters:
        rows = [list(row) for row in rows]
        for row in rows:
            for i, adapt, done in adapters:
                value = row[i]
                try:
                    row[i] = done[value]
                except KeyError:
                    row[i] = done[value] = adapt(value)
    return fields, rows


def insert_rows(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    fields, rows = _adapt(model, columns, rows)
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(BATCH_SIZE, connection.ops.bulk_batch_size(fields, rows)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > size:
            _copy_rows(cursor, quote(model._meta.db_table), names, rows)
            return
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "
            cursor.execute(sql + ", ".join([one] * len(batch)), [v for row in batch for v in row])


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
TEMP_TABLE = "bulk_insert_rows"


def _copy_text(value) -> str:
    """A value in COPY's text format: \\N for NULL, t/f for booleans, the rest escaped."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).translate(COPY_ESCAPES)


def _copy_rows(cursor, table: str, names: str, rows: list) -> None:
    """PostgreSQL: the rows COPYed into a temporary table of the same columns, then inserted from
    it in one statement (inside the caller's transaction)."""
    # A failed write rolls the temporary table back with the transaction; one left by a failed
    # write outside a transaction goes first.
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
    cursor.execute(f"CREATE TEMP TABLE {TEMP_TABLE} AS SELECT {names} FROM {table} WITH NO DATA")
    text = io.StringIO()
    for row in rows:
        text.write("\t".join(map(_copy_text, row)))
        text.write("\n")
    text.seek(0)
    cursor.copy_expert(f"COPY {TEMP_TABLE} ({names}) FROM STDIN", text)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {TEMP_TABLE}")
    cursor.execute(f"DROP TABLE {TEMP_TABLE}")


def update_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """Sets `columns` of each row identified by the primary key that ends its tuple."""
    if not rows:
        return
    fields, rows = _adapt(model, [*columns, model._meta.pk.name], rows)
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(fields[-1].column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's executemany costs a round trip per row (15 s for 100,000); one UPDATE
            # joined to a VALUES list per batch costs one. The casts type NULL-only columns.
            names = ", ".join(quote(field.column) for field in fields)
            assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[:-1])
            one = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields) + ")"
            for start in range(0, len(rows), BATCH_SIZE):
                batch = rows[start : start + BATCH_SIZE]
                values = ", ".join([one] * len(batch))
                cursor.execute(
                    f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v ({names}) "
                    f"WHERE {table}.{pk} = v.{pk}",
                    [value for row in batch for value in row],
                )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields[:-1])
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
            for start in range(0, len(rows), BATCH_SIZE):
                cursor.executemany(sql, rows[start : start + BATCH_SIZE])
