"""Each update record keeps the snapshot from before it. Records written earlier get it from the
previous record of the same row, where there is one."""

from django.db import migrations, models


def fill_before(apps, schema_editor):
    """Sets `before` on update records that lack it, from the previous record of their row."""
    AuditRecord = apps.get_model("core", "AuditRecord")
    rows = AuditRecord.objects.filter(operation="update", before__isnull=True)
    keys = set(rows.values_list("model", "row_id").distinct())
    previous, changed = {}, []
    records = AuditRecord.objects.order_by("id").only(
        "id", "model", "row_id", "operation", "snapshot", "before"
    )
    for record in records.iterator(chunk_size=2000):
        key = (record.model, record.row_id)
        if key not in keys:
            continue
        if record.operation == "update" and record.before is None and key in previous:
            record.before = previous[key]
            changed.append(record)
        previous[key] = record.snapshot
    AuditRecord.objects.bulk_update(changed, ["before"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditrecord",
            name="before",
            field=models.JSONField(blank=True, null=True, verbose_name="变更前"),
        ),
        migrations.RunPython(fill_before, migrations.RunPython.noop),
    ]
