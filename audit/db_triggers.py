"""SQL of the triggers that make the audit table append-only, on PostgreSQL and SQLite.

They refuse UPDATE and DELETE of a row, and on PostgreSQL TRUNCATE too, whatever path the statement comes by
(the ORM, a raw cursor, psql). On SQLite a table rebuild drops them: a migration that alters the audit table
calls `drop` first and `create` last, as the framework triggers' migrations do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only: they cannot be changed or deleted"


def create_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END $$ LANGUAGE plpgsql""",
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {TABLE}_no_{event.lower()} BEFORE {event} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for event in ("UPDATE", "DELETE")
        ]
    return []


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
                f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}"]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_no_{event}" for event in ("update", "delete")]
    return []


def create(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in drop_statements(schema_editor.connection.vendor) + create_statements(
            schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)
