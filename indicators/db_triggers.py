"""SQL of the triggers that keep published frameworks immutable (used by migrations 0003 onwards).

On SQLite a table rebuild (which Django does for most column changes) fails while triggers that name the
table exist, so a migration that changes these tables drops the triggers first (`drop`) and creates them
again at the end (`create`), passing the tables and framework columns of its time.
"""

MESSAGE = "a published or retired framework cannot be edited; create a new version"


def _sqlite_names(tables):
    return [f"{table}_locked_{event}" for table in tables for event in ("insert", "update")] + [
        "indicators_framework_locked"]


def drop(schema_editor, tables):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in _sqlite_names(tables):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_locked ON {table}")
        schema_editor.execute("DROP TRIGGER IF EXISTS indicators_framework_locked ON indicators_framework")


def create(schema_editor, tables, columns):
    drop(schema_editor, tables)
    builder = {"sqlite": _sqlite, "postgresql": _postgresql}.get(schema_editor.connection.vendor)
    for statement in builder(tables, columns) if builder else ():
        schema_editor.execute(statement)


def _sqlite(tables, columns):
    statements = []
    for table in tables:
        for event, rows in (("INSERT", "NEW.framework_id"), ("UPDATE", "OLD.framework_id, NEW.framework_id")):
            statements.append(
                f"CREATE TRIGGER {table}_locked_{event.lower()} BEFORE {event} ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM indicators_framework WHERE id IN ({rows}) AND status <> 'draft') "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    statements.append(
        "CREATE TRIGGER indicators_framework_locked BEFORE UPDATE ON indicators_framework "
        f"WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR {changed}) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    return statements


def _postgresql(tables, columns):
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    return [
        f"""CREATE OR REPLACE FUNCTION indicators_child_locked() RETURNS trigger AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM indicators_framework WHERE status <> 'draft' AND id IN (
                NEW.framework_id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.framework_id END)) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION indicators_framework_locked() RETURNS trigger AS $$
        BEGIN
          IF OLD.status <> 'draft' AND (NEW.status = 'draft' OR {changed}) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER indicators_framework_locked BEFORE UPDATE ON indicators_framework "
        "FOR EACH ROW EXECUTE FUNCTION indicators_framework_locked()",
        *(f"CREATE TRIGGER {table}_locked BEFORE INSERT OR UPDATE ON {table} "
          "FOR EACH ROW EXECUTE FUNCTION indicators_child_locked()" for table in tables),
    ]
