"""On PostgreSQL, rows added to a published run's results are refused by one check per statement instead of one
per row (assessments/db_triggers.py); nothing changes on SQLite."""

from django.db import migrations

from assessments import db_triggers


def forwards(apps, schema_editor):
    db_triggers.create(schema_editor, db_triggers.RESULTS)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0014_run_analysis")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
