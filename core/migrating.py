"""Our triggers (core.audit, core.rollups) around a migrate on SQLite.

SQLite alters a table by rebuilding it: a new table, the rows copied, the old one dropped and the
new one renamed. The rename is refused while a trigger on another table names the old one (the
pledge counters' triggers read orgs_member), so an upgrade that alters orgs_member would fail
half-way on a database in use. Before a migrate that applies anything, the triggers are dropped;
post_migrate installs them again and, finding the rollups' triggers missing, recounts them (the
migrations ran without them). What the migrations themselves change is not in the audit trail.
PostgreSQL alters tables in place and keeps its triggers.
"""

from django.db import connections

from . import rollups
from .audit import triggers


def drop_sqlite_triggers(sender, using="default", plan=None, **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite" or not plan:
        return
    with connection.cursor() as cursor:
        for pattern in (rollups.LIKE_PREFIX, triggers.LIKE_PREFIX):
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '!'",
                [pattern],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
