from django.db import migrations

# As orgs.0003 for its counter rows: updated in place, vacuumed after a few thousand dead rows.
STORAGE = (
    "ALTER TABLE pledges_pledgetally SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, "
    "autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0, "
    "autovacuum_analyze_threshold = 5000)"
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STORAGE)


class Migration(migrations.Migration):
    dependencies = [("pledges", "0005_pledge_tally")]

    operations = [migrations.RunPython(tune, migrations.RunPython.noop)]
