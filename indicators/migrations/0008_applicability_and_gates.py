"""Which region levels each indicator is assessed at, and the least dimension scores a maturity level requires
(issue 16): nullable columns without a default, added in place (no table rebuild on SQLite, so the triggers that
name these tables stay as they are)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0007_indicator_class_provenance_control'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicator',
            name='applies_to',
            field=models.JSONField(blank=True, help_text='Empty: every level.', null=True, verbose_name='region levels assessed'),
        ),
        migrations.AddField(
            model_name='maturityband',
            name='gates',
            field=models.JSONField(blank=True, help_text='Dimension code → the least score the level requires. Empty: none.', null=True, verbose_name='least score of each dimension'),
        ),
    ]
