"""Outlier treatments (per indicator), the outlier rule and the declared sensitivity analysis become part of a
framework; the immutability triggers are dropped for the table rebuild and created again covering the new
framework columns."""

from django.db import migrations, models

from indicators import db_triggers

TABLES = ("indicators_dimension", "indicators_indicator", "indicators_maturityband", "indicators_crossrule")
COLUMNS_0005 = (
    "code", "version", "name_zh", "name_en", "description_zh", "description_en", "aggregation", "weighting",
    "entropy_standardise", "combine_alpha", "min_share", "rank_decimals", "dimension_pairwise", "anomaly_threshold",
    "geometric_floor",
)
COLUMNS = (*COLUMNS_0005, "outlier_skew", "outlier_kurtosis", "sensitivity")


def drop_triggers(apps, schema_editor):
    db_triggers.drop(schema_editor, TABLES)


def restore_triggers(apps, schema_editor):
    db_triggers.create(schema_editor, TABLES, COLUMNS_0005)


def create_triggers(apps, schema_editor):
    db_triggers.create(schema_editor, TABLES, COLUMNS)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_framework_geometric_floor'),
    ]

    operations = [
        migrations.RunPython(drop_triggers, restore_triggers),
        migrations.AddField(
            model_name='framework',
            name='outlier_kurtosis',
            field=models.FloatField(default=3.5, verbose_name='outlier rule: kurtosis'),
        ),
        migrations.AddField(
            model_name='framework',
            name='outlier_skew',
            field=models.FloatField(default=2.0, help_text='Values have outliers when their absolute skewness and their kurtosis both reach these.', verbose_name='outlier rule: absolute skewness'),
        ),
        migrations.AddField(
            model_name='framework',
            name='sensitivity',
            field=models.JSONField(blank=True, help_text="The uncertain inputs of the score runs' sensitivity analysis (docs/framework-format.md); empty: weights ±20 % and the normalisation.", null=True, verbose_name='declared sensitivity analysis'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='outlier_max_points',
            field=models.PositiveSmallIntegerField(default=5, verbose_name='most values winsorised per period'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='outlier_method',
            field=models.CharField(choices=[('none', 'No treatment'), ('winsorise', 'Winsorise'), ('log', 'Logarithm')], default='none', max_length=10, verbose_name='outlier treatment'),
        ),
        migrations.AddConstraint(
            model_name='framework',
            constraint=models.CheckConstraint(condition=models.Q(('outlier_skew__gt', 0)), name='framework_outlier_skew_positive'),
        ),
        migrations.AddConstraint(
            model_name='indicator',
            constraint=models.CheckConstraint(condition=models.Q(('outlier_method__in', ['none', 'winsorise', 'log'])), name='indicator_outlier_method_valid'),
        ),
        migrations.AddConstraint(
            model_name='indicator',
            constraint=models.CheckConstraint(condition=models.Q(('outlier_max_points__gte', 1)), name='indicator_outlier_max_points_min'),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
