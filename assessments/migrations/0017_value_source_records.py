"""A value's source may be "records": computed from the records of a system (case logs, 12345 work orders and call
figures, 好差评 ratings). Choices only: no SQL, and SQLite does not rebuild the table."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0016_result_references_per_statement'),
    ]

    operations = [
        migrations.AlterField(
            model_name='indicatorvalue',
            name='source',
            field=models.CharField(choices=[('form', 'Entry form'), ('excel', 'Excel import'), ('api', 'API'), ('survey', 'Citizen survey'), ('records', 'System records'), ('demo', 'Demo data')], default='form', max_length=10, verbose_name='source'),
        ),
    ]
