"""A large ranking run's own tables (PostgreSQL): loaded without indexes, indexed and analysed once,
then made children of ``ranking_inputs`` and ``ranking_results``.

Keeping a primary key and an order index up to date row by row while two million rows are written
costs several times what writing them does; building the indexes once the rows are in costs little.
And the planner knows nothing of rows written moments before: the application's role may not
``ANALYZE`` the shared tables, but its run's own tables are analysed by the functions below.

* Schema ``jifen_runs`` holds the tables ``inputs_<run>`` and ``results_<run>``, made like the shared
  tables, with a ``CHECK (run_id = <run>)`` so that a query naming another run never reads them, and
  row-level security with the county policy.
* ``jifen_run_tables_create(run)``, ``jifen_run_table_loaded(run, kind)`` and
  ``jifen_run_tables_attach(run)`` are ``SECURITY DEFINER`` functions of the owner: the application's
  role does not own the tables. Each accepts only a run of the bound county that is being made
  (digest still empty) in the caller's transaction, so nothing else can be created or attached.
* Once attached (``ALTER TABLE ... INHERIT``), a run's rows are read through the shared tables like any
  other run's; the application's role loses its direct grants, and triggers on both children refuse
  UPDATE and DELETE once the run has its digest, also to the owner (as the shared tables' triggers do).

SQLite has none of this: every run writes the shared tables.

Revision ID: core_0025
Revises: core_0024
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "core_0025"
down_revision = "core_0024"
branch_labels = None
depends_on = None

SCHEMA = "jifen_runs"
MESSAGE = "the rows of a finished ranking run are never changed"
_TENANT = "(SELECT NULLIF(current_setting('jifen.tenant_id', true), '')::integer)"  # as core_0026's policies
_TENANT_QUOTED = _TENANT.replace("'", "''")  # inside a quoted format string

# Refuses the statement once the run named by the trigger's argument has its digest.
_FINAL = f"""
CREATE FUNCTION jifen_run_table_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.ranking_runs WHERE id = CAST(TG_ARGV[0] AS BIGINT) AND digest <> '') THEN
        RAISE EXCEPTION '{MESSAGE} (%)', TG_TABLE_NAME USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

# The run must be one of the bound county's, still being made, in this transaction's view.
_BEING_MADE = f"""
    IF NOT EXISTS (SELECT 1 FROM public.ranking_runs WHERE tenant_id = {_TENANT} AND id = run AND digest = '') THEN
        RAISE EXCEPTION 'no ranking run % is being made in the bound county', run
            USING ERRCODE = 'insufficient_privilege';
    END IF;
"""


def _definer(signature: str, body: str, declare: str = "") -> str:
    """A function of the owner that the application's role may call, for a run of the bound county being made."""
    return f"""
CREATE FUNCTION {signature} RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
{declare}BEGIN
    {_BEING_MADE}
{body}
END $$
"""


_EACH_KIND = "DECLARE\n    kind TEXT;\n"

_CREATE = _definer("jifen_run_tables_create(run BIGINT)", f"""
    FOREACH kind IN ARRAY ARRAY['inputs', 'results'] LOOP
        EXECUTE format('CREATE TABLE {SCHEMA}.%I (LIKE public.%I INCLUDING DEFAULTS, '
                       'CONSTRAINT %I CHECK (run_id = %s))',
                       kind || '_' || run, 'ranking_' || kind, 'ck_' || kind || '_' || run || '_run', run);
        EXECUTE format('ALTER TABLE {SCHEMA}.%I ENABLE ROW LEVEL SECURITY', kind || '_' || run);
        EXECUTE format('CREATE POLICY county ON {SCHEMA}.%I USING (tenant_id = {_TENANT_QUOTED}) '
                       'WITH CHECK (tenant_id = {_TENANT_QUOTED})', kind || '_' || run);
        IF session_user <> current_user THEN
            EXECUTE format('GRANT SELECT, INSERT, UPDATE ON {SCHEMA}.%I TO %I', kind || '_' || run, session_user);
        END IF;
    END LOOP;""", _EACH_KIND)

_LOADED = _definer("jifen_run_table_loaded(run BIGINT, kind TEXT)", f"""
    IF kind NOT IN ('inputs', 'results') THEN
        RAISE EXCEPTION 'a run has inputs and results, not %', kind;
    END IF;
    EXECUTE format('ALTER TABLE {SCHEMA}.%I ADD CONSTRAINT %I PRIMARY KEY (tenant_id, run_id, program_application_id)',
                   kind || '_' || run, 'pk_' || kind || '_' || run);
    IF kind = 'results' THEN
        EXECUTE format('CREATE INDEX %I ON {SCHEMA}.%I (tenant_id, run_id, position)',
                       'ix_results_' || run || '_order', kind || '_' || run);
    END IF;
    EXECUTE format('ANALYZE {SCHEMA}.%I', kind || '_' || run);""")

_ATTACH = _definer("jifen_run_tables_attach(run BIGINT)", f"""
    FOREACH kind IN ARRAY ARRAY['inputs', 'results'] LOOP
        EXECUTE format('ALTER TABLE {SCHEMA}.%I INHERIT public.%I', kind || '_' || run, 'ranking_' || kind);
        EXECUTE format('CREATE TRIGGER final BEFORE UPDATE OR DELETE ON {SCHEMA}.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION jifen_run_table_is_final(%L)',
                       kind || '_' || run, run);
        IF session_user <> current_user THEN
            EXECUTE format('REVOKE ALL ON {SCHEMA}.%I FROM %I', kind || '_' || run, session_user);
        END IF;
    END LOOP;""", _EACH_KIND)

_FUNCTIONS = ("jifen_run_tables_attach(BIGINT)", "jifen_run_table_loaded(BIGINT, TEXT)",
              "jifen_run_tables_create(BIGINT)", "jifen_run_table_is_final()")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE SCHEMA {SCHEMA}")
    for statement in (_FINAL, _CREATE, _LOADED, _ATTACH):
        op.execute(statement)
    # Roles the application already connects as (`jifen db grant-app-role` grants this from now on).
    op.execute(f"""
        DO $$ DECLARE grantee TEXT; BEGIN
            FOR grantee IN SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
                           WHERE g.table_schema = 'public' AND g.table_name = 'ranking_runs'
                             AND g.privilege_type = 'INSERT' AND g.grantee <> current_user LOOP
                EXECUTE format('GRANT USAGE ON SCHEMA {SCHEMA} TO %I', grantee);
            END LOOP;
        END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The runs' rows go back into the shared tables (as the owner, past the triggers of finished runs).
    op.execute(f"""
        DO $$ DECLARE child RECORD; BEGIN
            FOR child IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = '{SCHEMA}' AND c.relkind = 'r' LOOP
                EXECUTE format('ALTER TABLE {SCHEMA}.%I NO INHERIT public.%I', child.relname,
                               'ranking_' || split_part(child.relname, '_', 1));
                EXECUTE format('INSERT INTO public.%I SELECT * FROM {SCHEMA}.%I',
                               'ranking_' || split_part(child.relname, '_', 1), child.relname);
            END LOOP;
        END $$""")
    op.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    for function in _FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")
