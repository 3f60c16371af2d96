"""The keys of the rows per region and indicator and per region and dimension are checked once per statement by
triggers instead of once per row by foreign keys (assessments/db_references.py); the run's own indexes, which the
unique constraints already cover, go. On SQLite the two tables are rebuilt, which drops their triggers: the
published results' triggers are dropped first and created again last."""

import django.db.models.deletion
from django.db import migrations, models

from assessments import db_references, db_triggers


def drop_triggers(apps, schema_editor):
    db_triggers.drop(schema_editor)


def restore_triggers(apps, schema_editor):
    db_triggers.create(schema_editor)


def create_triggers(apps, schema_editor):
    """The published results' triggers last: SQLite fires the newest first, and a published run's rows are refused
    for being published before anything else."""
    db_references.create(schema_editor)
    db_triggers.create(schema_editor)


def drop_all_triggers(apps, schema_editor):
    db_references.drop(schema_editor)
    db_triggers.drop(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0015_result_insert_check_per_statement'),
        ('indicators', '0006_outliers_and_sensitivity'),
    ]

    operations = [
        migrations.RunPython(drop_triggers, restore_triggers),
        migrations.AlterField(
            model_name='dimensionscore',
            name='dimension',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.dimension'),
        ),
        migrations.AlterField(
            model_name='dimensionscore',
            name='region',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assessments.region'),
        ),
        migrations.AlterField(
            model_name='dimensionscore',
            name='run',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='dimension_scores', to='assessments.scorerun'),
        ),
        migrations.AlterField(
            model_name='indicatorscore',
            name='indicator',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.indicator'),
        ),
        migrations.AlterField(
            model_name='indicatorscore',
            name='region',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='assessments.region'),
        ),
        migrations.AlterField(
            model_name='indicatorscore',
            name='run',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_scores', to='assessments.scorerun'),
        ),
        migrations.RunPython(create_triggers, drop_all_triggers),
    ]
