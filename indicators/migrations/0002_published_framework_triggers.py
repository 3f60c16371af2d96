"""Database triggers that refuse edits to a published or retired framework, whatever path the edit takes.

The services refuse first, with a friendlier message; these are the backstop for raw SQL, bulk updates and
admin slips. Deletes are not covered: Django's cascades and test flushes delete rows, and a framework in
use is protected by the foreign keys of its cycles and values. The SQL lives in `indicators.db_triggers`.
"""

from django.db import migrations

from indicators import db_triggers

TABLES = ("indicators_dimension", "indicators_indicator", "indicators_maturityband")
COLUMNS = (
    "code", "version", "name_zh", "name_en", "description_zh", "description_en", "aggregation", "weighting",
    "entropy_standardise", "combine_alpha", "min_share", "rank_decimals", "dimension_pairwise",
)


def forwards(apps, schema_editor):
    db_triggers.create(schema_editor, TABLES, COLUMNS)


def backwards(apps, schema_editor):
    db_triggers.drop(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
