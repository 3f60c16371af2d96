"""The references of a run's rows per region and indicator and per region and dimension, checked by the database
once per statement instead of once per row.

A foreign key is checked row by row on PostgreSQL (one lookup per row and key): a national run writes 106,000
indicator rows with three keys each, and those 320,000 lookups cost more than the COPY itself (≈ 3 s of a 12 s
run on a slow day here, three times the rows' own writing). These two tables therefore declare their keys without
a database constraint (`db_constraint=False`) and the triggers below enforce the same rules over each statement's
rows at once: a row's run, region, indicator and dimension exist, locked against deletion until the transaction
ends (FOR KEY SHARE, as a foreign key locks them), and a run, region, indicator or dimension that rows still refer
to cannot be deleted. On SQLite (small tables, no transition tables) the same rules are row triggers; a migration
that rebuilds one of these tables there drops its triggers, so it calls `drop` first and `create` last.
"""

MESSAGE = "violates foreign key"
REFERENCES = {
    "assessments_indicatorscore": (("run_id", "assessments_scorerun"), ("region_id", "assessments_region"),
                                   ("indicator_id", "indicators_indicator")),
    "assessments_dimensionscore": (("run_id", "assessments_scorerun"), ("region_id", "assessments_region"),
                                   ("dimension_id", "indicators_dimension")),
}
"""Table → its (column, referenced table) pairs."""


def _referrers() -> dict[str, list[tuple[str, str]]]:
    """Referenced table → the (table, column) pairs that refer to it."""
    referrers: dict[str, list[tuple[str, str]]] = {}
    for table, keys in REFERENCES.items():
        for column, parent in keys:
            referrers.setdefault(parent, []).append((table, column))
    return referrers


def _postgresql() -> list[str]:
    statements = []
    for table, keys in REFERENCES.items():
        checks = "\n".join(f"""
          SELECT count(DISTINCT {column}) INTO wanted FROM inserted;
          SELECT count(*) INTO found FROM (SELECT 1 FROM {parent} WHERE id IN (SELECT {column} FROM inserted)
                                           FOR KEY SHARE) AS locked;
          IF found <> wanted THEN
            RAISE EXCEPTION 'insert or update on table "{table}" {MESSAGE}: a {column} not in {parent}'
              USING ERRCODE = 'foreign_key_violation';
          END IF;""" for column, parent in keys)
        statements += [
            f"""CREATE OR REPLACE FUNCTION {table}_references() RETURNS trigger AS $$
            DECLARE wanted bigint; found bigint;
            BEGIN {checks}
              RETURN NULL;
            END $$ LANGUAGE plpgsql""",
            *(f"CREATE TRIGGER {table}_references_{event.lower()} AFTER {event} ON {table} REFERENCING NEW TABLE AS "
              f"inserted FOR EACH STATEMENT EXECUTE FUNCTION {table}_references()" for event in ("INSERT", "UPDATE")),
        ]
    for parent, referrers in _referrers().items():
        checks = "\n".join(f"""
          IF EXISTS (SELECT 1 FROM deleted JOIN {table} ON {table}.{column} = deleted.id) THEN
            RAISE EXCEPTION 'delete on table "{parent}" {MESSAGE}: rows of {table} still refer to it'
              USING ERRCODE = 'foreign_key_violation';
          END IF;""" for table, column in referrers)
        statements += [
            f"""CREATE OR REPLACE FUNCTION {parent}_referenced() RETURNS trigger AS $$
            BEGIN {checks}
              RETURN NULL;
            END $$ LANGUAGE plpgsql""",
            f"CREATE TRIGGER {parent}_referenced AFTER DELETE ON {parent} REFERENCING OLD TABLE AS deleted "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {parent}_referenced()",
        ]
    return statements


def _sqlite() -> list[str]:
    def abort(what: str) -> str:
        return f"BEGIN SELECT RAISE(ABORT, '{what} {MESSAGE}'); END"

    statements = []
    for table, keys in REFERENCES.items():
        missing = " OR ".join(f"NOT EXISTS (SELECT 1 FROM {parent} WHERE id = NEW.{column})" for column, parent in keys)
        statements += [f"CREATE TRIGGER {table}_references_{event.lower()} BEFORE {event} ON {table} WHEN {missing} "
                       f"{abort(f'insert or update on table {table}')}" for event in ("INSERT", "UPDATE")]
    for parent, referrers in _referrers().items():
        used = " OR ".join(f"EXISTS (SELECT 1 FROM {table} WHERE {column} = OLD.id)" for table, column in referrers)
        statements.append(f"CREATE TRIGGER {parent}_referenced BEFORE DELETE ON {parent} WHEN {used} "
                          f"{abort(f'delete on table {parent}')}")
    return statements


def _triggers() -> list[tuple[str, str]]:
    """(trigger, table) of every trigger this module creates."""
    return [*((f"{table}_references_{event}", table) for table in REFERENCES for event in ("insert", "update")),
            *((f"{parent}_referenced", parent) for parent in _referrers())]


def drop_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _table in _triggers()]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in _triggers()]
    return []


def create_statements(vendor: str) -> list[str]:
    return drop_statements(vendor) + {"postgresql": _postgresql, "sqlite": _sqlite}.get(vendor, list)()


def create(schema_editor) -> None:
    for statement in create_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(schema_editor) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)
