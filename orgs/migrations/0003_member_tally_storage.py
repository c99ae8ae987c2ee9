from django.db import migrations

# Counter rows are rewritten by nearly every write (an import updates thousands at once): room
# left in each page lets PostgreSQL update them in place (HOT) and prune old versions as it goes,
# and autovacuum visits after a few thousand dead rows rather than a fifth of the table.
STORAGE = (
    "ALTER TABLE orgs_membertally SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, "
    "autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0, "
    "autovacuum_analyze_threshold = 5000)"
)


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STORAGE)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_member_tally")]

    operations = [migrations.RunPython(tune, migrations.RunPython.noop)]
