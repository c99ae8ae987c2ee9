"""The audit trail of pledges moves into core's one trail for every tracked model (core.audit).

The records kept so far are copied into core_auditrecord, the old triggers are dropped (the
new ones are installed by core after migrate), and the old tables go.
"""

import importlib

from django.db import migrations

history = importlib.import_module("pledges.migrations.0002_history")

# Old table → (model label in the new trail, the history column that becomes parent_id).
MOVED = {
    "PledgeHistory": ("pledges.pledge", None),
    "PledgeProgressHistory": ("pledges.pledgeprogress", "pledge_id"),
}


def copy_into_core(apps, schema_editor):
    AuditRecord = apps.get_model("core", "AuditRecord")
    for old_name, (label, parent) in MOVED.items():
        old = apps.get_model("pledges", old_name)
        batch = []
        for record in old.objects.order_by("id").iterator(chunk_size=2000):
            # The version counter left the snapshot: it changed with every write and said nothing.
            snapshot = {k: v for k, v in record.snapshot.items() if k != "version"}
            batch.append(
                AuditRecord(
                    model=label,
                    row_id=record.row_id,
                    parent_id=getattr(record, parent) if parent else None,
                    operation=record.operation,
                    at=record.at,
                    actor_id=record.actor_id,
                    snapshot=snapshot,
                )
            )
            if len(batch) >= 2000:
                AuditRecord.objects.bulk_create(batch)
                batch = []
        AuditRecord.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0002_history"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(history.drop_triggers, history.install_triggers),
        migrations.RunPython(copy_into_core, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="pledgeprogresshistory",
            name="actor",
        ),
        migrations.DeleteModel(
            name="PledgeHistory",
        ),
        migrations.DeleteModel(
            name="PledgeProgressHistory",
        ),
    ]
