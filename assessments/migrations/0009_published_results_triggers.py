"""The database refuses to change a publication, the score run it freezes or that run's results."""

from django.db import migrations

from assessments import db_triggers


def forwards(apps, schema_editor):
    db_triggers.create(schema_editor, db_triggers.RESULTS_0009)


def backwards(apps, schema_editor):
    db_triggers.drop(schema_editor, db_triggers.RESULTS_0009)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0008_campaign")]
    operations = [migrations.RunPython(forwards, backwards)]
