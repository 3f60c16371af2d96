"""A run's warnings, and its statistical audit and sensitivity analysis (RunAnalysis), immutable once the run is
published like its other results: the triggers are dropped for the scorerun table's rebuild and created again
covering the new table."""

import django.db.models.deletion
from django.db import migrations, models

from assessments import db_triggers


def drop_triggers(apps, schema_editor):
    db_triggers.drop(schema_editor, db_triggers.RESULTS_0009)


def restore_triggers(apps, schema_editor):
    db_triggers.create(schema_editor, db_triggers.RESULTS_0009)


def create_triggers(apps, schema_editor):
    db_triggers.create(schema_editor, db_triggers.RESULTS)


def drop_all_triggers(apps, schema_editor):
    db_triggers.drop(schema_editor, db_triggers.RESULTS)


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0013_notifications_told_in_the_readers_language'),
    ]

    operations = [
        migrations.RunPython(drop_triggers, restore_triggers),
        migrations.AlterField(
            model_name='scorerun',
            name='stage',
            field=models.CharField(blank=True, choices=[('loading', 'loading the approved values'), ('computing', 'computing the scores'), ('auditing', 'statistical audit'), ('sensitivity', 'sensitivity analysis'), ('writing', 'writing the results')], max_length=100, verbose_name='stage'),
        ),
        migrations.AddField(
            model_name='scorerun',
            name='warnings',
            field=models.JSONField(blank=True, default=list, help_text="What the run found that weakens its results (one region, a constant indicator …): a list of {code, subject, facts}, told in the reader's language.", verbose_name='warnings'),
        ),
        migrations.CreateModel(
            name='RunAnalysis',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('audit', models.JSONField(verbose_name='statistical audit')),
                ('sensitivity', models.JSONField(blank=True, null=True, verbose_name='sensitivity analysis')),
                ('run', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='analysis', to='assessments.scorerun')),
            ],
            options={
                'verbose_name': 'analysis of a score run',
                'verbose_name_plural': 'analyses of score runs',
            },
        ),
        migrations.RunPython(create_triggers, drop_all_triggers),
    ]
