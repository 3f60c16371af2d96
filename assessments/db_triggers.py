"""SQL of the triggers that keep published results immutable, on PostgreSQL and SQLite.

A publication is never changed or deleted (nor, on PostgreSQL, truncated); the score run it freezes cannot be
changed or deleted, and no result row of that run (nor its analysis) can be added, changed or deleted — whatever
path the statement comes by. On SQLite a table rebuild drops a table's triggers: a migration that alters one of these
tables calls `drop` first and `create` last.

On PostgreSQL the rows a statement adds to a result table are checked once per statement (an AFTER trigger over
the statement's transition table), not once per row: a national run COPYs 110,000 rows in one statement, and a
check per row cost it 0.9 s.
"""

MESSAGE = "published results cannot be changed: publish a revision instead"
PUBLICATION = "assessments_publication"
RUN = "assessments_scorerun"
RESULTS_0009 = ("assessments_regionscore", "assessments_dimensionscore", "assessments_indicatorscore")
"""The result tables of migration 0009 (which creates the triggers on them)."""
RESULTS = (*RESULTS_0009, "assessments_runanalysis")
"""The tables of a run's results today: rows per region and the run's audit and sensitivity analysis."""


def _published(run_column: str) -> str:
    return f"EXISTS (SELECT 1 FROM {PUBLICATION} WHERE run_id = {run_column})"


def create_statements(vendor: str, results: tuple[str, ...] = RESULTS) -> list[str]:
    if vendor == "sqlite":
        return _sqlite(results)
    if vendor == "postgresql":
        return _postgresql(results)
    return []


def _sqlite(results: tuple[str, ...]) -> list[str]:
    abort = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    statements = [f"CREATE TRIGGER {PUBLICATION}_no_{event.lower()} BEFORE {event} ON {PUBLICATION} {abort}"
                  for event in ("UPDATE", "DELETE")]
    statements += [f"CREATE TRIGGER {RUN}_published_{event.lower()} BEFORE {event} ON {RUN} "
                   f"WHEN {_published('OLD.id')} {abort}" for event in ("UPDATE", "DELETE")]
    for table in results:
        for event, condition in (("INSERT", _published("NEW.run_id")),
                                 ("UPDATE", f"{_published('OLD.run_id')} OR {_published('NEW.run_id')}"),
                                 ("DELETE", _published("OLD.run_id"))):
            statements.append(f"CREATE TRIGGER {table}_published_{event.lower()} BEFORE {event} ON {table} "
                              f"WHEN {condition} {abort}")
    return statements


def _postgresql(results: tuple[str, ...]) -> list[str]:
    raise_it = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';"
    statements = [
        f"""CREATE OR REPLACE FUNCTION assessments_publication_fixed() RETURNS trigger AS $$
        BEGIN {raise_it} END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION assessments_published_run_fixed() RETURNS trigger AS $$
        BEGIN
          IF {_published('OLD.id')} THEN {raise_it} END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION assessments_published_results_fixed() RETURNS trigger AS $$
        BEGIN
          IF {_published('OLD.run_id')} OR (TG_OP = 'UPDATE' AND {_published('NEW.run_id')}) THEN {raise_it} END IF;
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION assessments_published_results_inserted() RETURNS trigger AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM inserted JOIN {PUBLICATION} USING (run_id)) THEN {raise_it} END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
        f"CREATE TRIGGER {PUBLICATION}_fixed BEFORE UPDATE OR DELETE ON {PUBLICATION} "
        "FOR EACH ROW EXECUTE FUNCTION assessments_publication_fixed()",
        f"CREATE TRIGGER {PUBLICATION}_no_truncate BEFORE TRUNCATE ON {PUBLICATION} "
        "FOR EACH STATEMENT EXECUTE FUNCTION assessments_publication_fixed()",
        f"CREATE TRIGGER {RUN}_published BEFORE UPDATE OR DELETE ON {RUN} "
        "FOR EACH ROW EXECUTE FUNCTION assessments_published_run_fixed()",
    ]
    for table in results:
        statements += [f"CREATE TRIGGER {table}_published BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION assessments_published_results_fixed()",
                       f"CREATE TRIGGER {table}_published_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS "
                       "inserted FOR EACH STATEMENT EXECUTE FUNCTION assessments_published_results_inserted()"]
    return statements


def drop_statements(vendor: str, results: tuple[str, ...] = RESULTS) -> list[str]:
    if vendor == "sqlite":
        names = [f"{PUBLICATION}_no_update", f"{PUBLICATION}_no_delete", f"{RUN}_published_update",
                 f"{RUN}_published_delete"]
        names += [f"{table}_published_{event}" for table in results for event in ("insert", "update", "delete")]
        return [f"DROP TRIGGER IF EXISTS {name}" for name in names]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {PUBLICATION}_fixed ON {PUBLICATION}",
                f"DROP TRIGGER IF EXISTS {PUBLICATION}_no_truncate ON {PUBLICATION}",
                f"DROP TRIGGER IF EXISTS {RUN}_published ON {RUN}",
                *(f"DROP TRIGGER IF EXISTS {table}{suffix} ON {table}" for table in results
                  for suffix in ("_published", "_published_insert"))]
    return []


def create(schema_editor, results: tuple[str, ...] = RESULTS) -> None:
    vendor = schema_editor.connection.vendor
    for statement in drop_statements(vendor, results) + create_statements(vendor, results):
        schema_editor.execute(statement)


def drop(schema_editor, results: tuple[str, ...] = RESULTS) -> None:
    for statement in drop_statements(schema_editor.connection.vendor, results):
        schema_editor.execute(statement)
