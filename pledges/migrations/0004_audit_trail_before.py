"""The pledge records copied into the trail by 0003 get their `before` snapshots (core 0002)."""

import importlib

from django.db import migrations

core_before = importlib.import_module("core.migrations.0002_audit_record_before")


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0003_audit_trail_moves_to_core"),
        ("core", "0002_audit_record_before"),
    ]

    operations = [
        migrations.RunPython(core_before.fill_before, migrations.RunPython.noop),
    ]
