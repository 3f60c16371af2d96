"""The floor of the geometric mean becomes a setting of each framework (it was the constant 1 of the engine, which
stays the default); the immutability triggers are dropped for the table rebuild and created again covering it."""

from django.db import migrations, models

from indicators import db_triggers

TABLES = ("indicators_dimension", "indicators_indicator", "indicators_maturityband", "indicators_crossrule")
COLUMNS_0004 = (
    "code", "version", "name_zh", "name_en", "description_zh", "description_en", "aggregation", "weighting",
    "entropy_standardise", "combine_alpha", "min_share", "rank_decimals", "dimension_pairwise", "anomaly_threshold",
)
COLUMNS = (*COLUMNS_0004, "geometric_floor")


def drop_triggers(apps, schema_editor):
    db_triggers.drop(schema_editor, TABLES)


def restore_triggers(apps, schema_editor):
    db_triggers.create(schema_editor, TABLES, COLUMNS_0004)


def create_triggers(apps, schema_editor):
    db_triggers.create(schema_editor, TABLES, COLUMNS)


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0004_published_framework_triggers_v2"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, restore_triggers),
        migrations.AddField(
            model_name="framework",
            name="geometric_floor",
            field=models.FloatField(default=1.0, help_text="With geometric aggregation, scores below this many points count as this many.", verbose_name="floor of the geometric mean"),
        ),
        migrations.AddConstraint(
            model_name="framework",
            constraint=models.CheckConstraint(condition=models.Q(("geometric_floor__gt", 0), ("geometric_floor__lte", 100)), name="framework_geometric_floor_range"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
