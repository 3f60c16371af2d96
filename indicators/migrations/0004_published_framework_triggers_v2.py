"""Create the immutability triggers again (0003 dropped them), now also over the cross-indicator rules and the
anomaly threshold."""

from django.db import migrations

from indicators import db_triggers

TABLES = ("indicators_dimension", "indicators_indicator", "indicators_maturityband", "indicators_crossrule")
OLD_TABLES = TABLES[:3]
COLUMNS = (
    "code", "version", "name_zh", "name_en", "description_zh", "description_en", "aggregation", "weighting",
    "entropy_standardise", "combine_alpha", "min_share", "rank_decimals", "dimension_pairwise", "anomaly_threshold",
)


def forwards(apps, schema_editor):
    db_triggers.create(schema_editor, TABLES, COLUMNS)


def backwards(apps, schema_editor):
    db_triggers.drop(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_cross_rules_and_anomaly_threshold")]
    operations = [migrations.RunPython(forwards, backwards)]
