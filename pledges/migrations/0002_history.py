"""The audit trail of pledges and progress records (see pledges/history.py): tables and triggers.

The triggers are written out here rather than imported, so this migration installs the same
triggers whatever the models later become.

On SQLite, Django alters a table by copying it into a new one and dropping the old one, which
drops its triggers too: a later migration that alters pledges_pledge or pledges_pledgeprogress
must install them again (`install_triggers` below, through importlib), or
tests/pledges/test_history.py fails on the missing triggers.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OPERATIONS = ("insert", "update", "delete")
# (tracked table, history table, extra history column and its value, snapshot: key → expression
# per vendor, with {row} for NEW or OLD). Kept in step with snapshot_fields in pledges/history.py.
TRACKED = [
    (
        "pledges_pledge",
        "pledges_pledgehistory",
        None,
        {
            "title": ("{row}.title", "{row}.title"),
            "content": ("{row}.content", "{row}.content"),
            "areas": ("json({row}.areas)", "{row}.areas"),
            "deadline": ("{row}.deadline", "{row}.deadline"),
            "five_items": ("json({row}.five_items)", "{row}.five_items"),
            "oral": ("json(CASE WHEN {row}.oral THEN 'true' ELSE 'false' END)", "{row}.oral"),
            "state": ("{row}.state", "{row}.state"),
            "signed_by": ("{row}.signed_by", "{row}.signed_by"),
            "signed_on": ("{row}.signed_on", "{row}.signed_on"),
            "published_at": ("{row}.published_at", "{row}.published_at"),
            "campaign_id": ("{row}.campaign_id", "{row}.campaign_id"),
            "member_id": ("{row}.member_id", "{row}.member_id"),
            "organization_id": ("{row}.organization_id", "{row}.organization_id"),
            "version": ("{row}.version", "{row}.version"),
        },
    ),
    (
        "pledges_pledgeprogress",
        "pledges_pledgeprogresshistory",
        ("pledge_id", "{row}.pledge_id"),
        {
            "pledge_id": ("{row}.pledge_id", "{row}.pledge_id"),
            "happened_on": ("{row}.happened_on", "{row}.happened_on"),
            "text": ("{row}.text", "{row}.text"),
            "attachment": ("{row}.attachment", "{row}.attachment"),
            "attachment_type": ("{row}.attachment_type", "{row}.attachment_type"),
            "attachment_name": ("{row}.attachment_name", "{row}.attachment_name"),
        },
    ),
]


def _columns(extra):
    return "row_id, operation, at, actor_id, snapshot" + (f", {extra[0]}" if extra else "")


def _sqlite_statements(table, history, extra, snapshot):
    for operation in OPERATIONS:
        row = "OLD" if operation == "delete" else "NEW"
        pairs = ", ".join(
            f"'{key}', {sqlite.format(row=row)}" for key, (sqlite, _pg) in snapshot.items()
        )
        values = [
            f"{row}.id",
            f"'{operation}'",
            "strftime('%Y-%m-%d %H:%M:%f', 'now')",
            # Filled in by the TEMP trigger of a connection that called set_actor().
            "NULL",
            f"json_object({pairs})",
        ]
        if extra:
            values.append(extra[1].format(row=row))
        yield (
            f"CREATE TRIGGER {table}_history_{operation} AFTER {operation.upper()} ON {table} "
            f"BEGIN INSERT INTO {history} ({_columns(extra)}) VALUES ({', '.join(values)}); END"
        )


def _postgresql_statements(table, history, extra, snapshot):
    pairs = ", ".join(f"'{key}', {pg.format(row='r')}" for key, (_sqlite, pg) in snapshot.items())
    values = [
        "r.id",
        "lower(TG_OP)",
        "clock_timestamp()",
        "NULLIF(current_setting('ccz.actor_id', true), '')::bigint",
        f"jsonb_build_object({pairs})",
    ]
    if extra:
        values.append(extra[1].format(row="r"))
    yield f"""
        CREATE FUNCTION {table}_history() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            r {table};
        BEGIN
            IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
            INSERT INTO {history} ({_columns(extra)}) VALUES ({", ".join(values)});
            RETURN NULL;
        END;
        $$
    """
    yield (
        f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_history()"
    )


def _vendor(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no history triggers for {vendor}")
    return vendor


def install_triggers(apps, schema_editor):
    statements = {"sqlite": _sqlite_statements, "postgresql": _postgresql_statements}
    for tracked in TRACKED:
        for statement in statements[_vendor(schema_editor)](*tracked):
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = _vendor(schema_editor)
    for table, *_rest in TRACKED:
        if vendor == "sqlite":
            for operation in OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_history_{operation}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_history ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_history()")


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PledgeHistory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("row_id", models.BigIntegerField(db_index=True, verbose_name="记录编号")),
                (
                    "operation",
                    models.CharField(
                        choices=[("insert", "新增"), ("update", "修改"), ("delete", "删除")],
                        max_length=10,
                        verbose_name="操作",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="时间")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                ("snapshot", models.JSONField(verbose_name="快照")),
            ],
            options={
                "verbose_name": "承诺变更历史",
                "verbose_name_plural": "承诺变更历史",
                "ordering": ["-at", "-id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="PledgeProgressHistory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("row_id", models.BigIntegerField(db_index=True, verbose_name="记录编号")),
                (
                    "operation",
                    models.CharField(
                        choices=[("insert", "新增"), ("update", "修改"), ("delete", "删除")],
                        max_length=10,
                        verbose_name="操作",
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="时间")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="操作人",
                    ),
                ),
                ("snapshot", models.JSONField(verbose_name="快照")),
                ("pledge_id", models.BigIntegerField(db_index=True, verbose_name="承诺编号")),
            ],
            options={
                "verbose_name": "践诺记录变更历史",
                "verbose_name_plural": "践诺记录变更历史",
                "ordering": ["-at", "-id"],
                "abstract": False,
            },
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
