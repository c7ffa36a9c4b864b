"""Ranking runs as final records: no foreign keys on their bulk rows, and no change once finished.

* ``ranking_inputs`` and ``ranking_results`` lose their foreign keys (decision 0010): PostgreSQL
  checks them with one query per inserted row, as costly as the ranking itself.
* Triggers make "results are never edited" a rule of the database (decision 0009): once a run has
  its digest, its snapshot and result rows cannot be updated or deleted, and the run row itself
  can change only in ``is_current`` (publishing switches the current run). While a run is being
  made (digest still empty, inside its SAVEPOINT) its rows may be written.

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-11-27
"""
from alembic import op

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None

BULK_TABLES = ("ranking_inputs", "ranking_results")
MESSAGE = "the rows of a finished ranking run are never changed"
# Every column of ranking_runs but is_current (JSON has no equality on PostgreSQL: compared as text).
RUN_COLUMNS = ("tenant_id", "id", "round_id", "rule_version", "plugin_versions", "seed", "params", "digest",
               "input_count", "allocated_count", "cutoff", "actor", "created_at")

PG_FUNCTIONS = f"""
CREATE FUNCTION jifen_finished_run_rows_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows c JOIN ranking_runs r ON r.tenant_id = c.tenant_id AND r.id = c.run_id
               WHERE r.digest <> '') THEN
        RAISE EXCEPTION '{MESSAGE} (%)', TG_TABLE_NAME USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION jifen_finished_run_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.digest = '' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' OR ({", ".join(f"NEW.{c}::text" for c in RUN_COLUMNS)})
            IS DISTINCT FROM ({", ".join(f"OLD.{c}::text" for c in RUN_COLUMNS)}) THEN
        RAISE EXCEPTION '{MESSAGE} (ranking_runs)' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
"""


def _pg_upgrade() -> None:
    op.execute(PG_FUNCTIONS)
    for table in BULK_TABLES:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_final_{event.lower()} AFTER {event} ON {table} "
                       f"REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION jifen_finished_run_rows_are_final()")
    op.execute("CREATE TRIGGER ranking_runs_final BEFORE UPDATE OR DELETE ON ranking_runs "
               "FOR EACH ROW EXECUTE FUNCTION jifen_finished_run_is_final()")


def _sqlite_upgrade() -> None:
    for table in BULK_TABLES:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER {table}_final_{event.lower()} BEFORE {event} ON {table}
                WHEN (SELECT digest FROM ranking_runs WHERE tenant_id = OLD.tenant_id AND id = OLD.run_id) <> ''
                BEGIN SELECT RAISE(ABORT, '{MESSAGE} ({table})'); END""")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in RUN_COLUMNS)
    op.execute(f"""
        CREATE TRIGGER ranking_runs_final_update BEFORE UPDATE ON ranking_runs
        WHEN OLD.digest <> '' AND ({changed})
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} (ranking_runs)'); END""")
    op.execute(f"""
        CREATE TRIGGER ranking_runs_final_delete BEFORE DELETE ON ranking_runs WHEN OLD.digest <> ''
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} (ranking_runs)'); END""")


def upgrade() -> None:
    for table in BULK_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_tenant_id_run_id_ranking_runs", type_="foreignkey")
            batch.drop_constraint(f"fk_{table}_tenant_id_tenants", type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in BULK_TABLES:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_final_{event} ON {table}")
        op.execute("DROP TRIGGER ranking_runs_final ON ranking_runs")
        op.execute("DROP FUNCTION jifen_finished_run_rows_are_final()")
        op.execute("DROP FUNCTION jifen_finished_run_is_final()")
    else:
        for name in ("ranking_inputs_final_update", "ranking_inputs_final_delete", "ranking_results_final_update",
                     "ranking_results_final_delete", "ranking_runs_final_update", "ranking_runs_final_delete"):
            op.execute(f"DROP TRIGGER {name}")
    for table in BULK_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_tenant_id_tenants", "tenants", ["tenant_id"], ["id"])
            batch.create_foreign_key(f"fk_{table}_tenant_id_run_id_ranking_runs", "ranking_runs",
                                     ["tenant_id", "run_id"], ["tenant_id", "id"])
