"""Each indicator's class, provenance, control and the calibration of its goalposts (issue 16): nullable columns
without a default, which both databases add in place (no table rebuild on SQLite, so the immutability and
reference triggers that name the table stay as they are)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0006_outliers_and_sensitivity'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicator',
            name='calibration',
            field=models.TextField(blank=True, help_text='The published figures the goalposts were set from.', null=True, verbose_name='calibration of the goalposts'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='control',
            field=models.CharField(blank=True, choices=[('local', 'Controlled by the government assessed'), ('vertical', 'Decided by higher-level or vertical systems')], help_text='Empty: not declared.', max_length=8, null=True, verbose_name='control'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='indicator_class',
            field=models.CharField(blank=True, choices=[('input', 'Input'), ('process', 'Process'), ('outcome', 'Outcome')], help_text='Empty: not declared.', max_length=8, null=True, verbose_name='class'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='provenance',
            field=models.CharField(blank=True, choices=[('self_declared', 'Self-declared'), ('system_record', 'Computed from a system of record'), ('provincial_survey', 'Survey commissioned by the province'), ('third_party', 'Third-party sample'), ('platform', 'Computed by the platform')], help_text='Where the value comes from. Empty: not declared.', max_length=20, null=True, verbose_name='provenance'),
        ),
    ]
