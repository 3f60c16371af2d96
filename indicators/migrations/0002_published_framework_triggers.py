"""Database triggers that refuse edits to a published or retired framework, whatever path the edit takes.

The services refuse first, with a friendlier message; these are the backstop for raw SQL, bulk updates and
admin slips. Deletes are not covered: Django's cascades and test flushes delete rows, and a framework in
use is protected by the foreign keys of its cycles and values.
"""

from django.db import migrations

MESSAGE = "a published or retired framework cannot be edited; create a new version"
CHILD_TABLES = ("indicators_dimension", "indicators_indicator", "indicators_maturityband")
CONTENT_COLUMNS = (
    "code", "version", "name_zh", "name_en", "description_zh", "description_en", "aggregation", "weighting",
    "entropy_standardise", "combine_alpha", "min_share", "rank_decimals", "dimension_pairwise",
)


def _sqlite(create):
    statements = []
    for table in CHILD_TABLES:
        for event, rows in (("INSERT", "NEW.framework_id"), ("UPDATE", "OLD.framework_id, NEW.framework_id")):
            name = f"{table}_locked_{event.lower()}"
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM indicators_framework WHERE id IN ({rows}) AND status <> 'draft') "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                if create else f"DROP TRIGGER IF EXISTS {name}"
            )
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT_COLUMNS)
    statements.append(
        "CREATE TRIGGER indicators_framework_locked BEFORE UPDATE ON indicators_framework "
        f"WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR {changed}) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        if create else "DROP TRIGGER IF EXISTS indicators_framework_locked"
    )
    return statements


def _postgresql(create):
    if not create:
        return [f"DROP TRIGGER IF EXISTS {t}_locked ON {t}" for t in CHILD_TABLES] + [
            "DROP TRIGGER IF EXISTS indicators_framework_locked ON indicators_framework",
            "DROP FUNCTION IF EXISTS indicators_child_locked()",
            "DROP FUNCTION IF EXISTS indicators_framework_locked()",
        ]
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT_COLUMNS)
    return [
        f"""CREATE FUNCTION indicators_child_locked() RETURNS trigger AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM indicators_framework WHERE status <> 'draft' AND id IN (
                NEW.framework_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.framework_id END)) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE FUNCTION indicators_framework_locked() RETURNS trigger AS $$
        BEGIN
          IF OLD.status <> 'draft' AND (NEW.status = 'draft' OR {changed}) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        *(f"CREATE TRIGGER {t}_locked BEFORE INSERT OR UPDATE ON {t} "
          "FOR EACH ROW EXECUTE FUNCTION indicators_child_locked()" for t in CHILD_TABLES),
        "CREATE TRIGGER indicators_framework_locked BEFORE UPDATE ON indicators_framework "
        "FOR EACH ROW EXECUTE FUNCTION indicators_framework_locked()",
    ]


def _apply(create):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor)
        if statements is None:
            return
        for statement in statements(create):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(_apply(True), _apply(False))]
