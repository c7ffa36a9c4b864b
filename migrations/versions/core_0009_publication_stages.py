"""Publication stages as a rule of the database: provisional, then final, never back.

* A publication row is a public record: it is never deleted, and an update may change only
  ``ends_on`` (the end of its objection period); its stage, round, run and dates stay.
* A final list needs a provisional list of the same round and run before it; once a round's final
  list is out, no provisional list of that round can follow.

The application refuses the same steps with a message first (jifen.programs.publication); these
triggers hold for the application's database role too, as the triggers of finished runs do.

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-02
"""
from alembic import op

revision = "core_0009"
down_revision = "core_0008"
branch_labels = None
depends_on = None

FIXED = ("tenant_id", "id", "round_id", "run_id", "stage", "starts_on", "actor", "published_at")
CHANGED = "a publication is a public record: publish a new stage instead of changing or removing one"
NO_PROVISIONAL = "a final list needs a provisional list of the same round and run before it"
AFTER_FINAL = "the final list of the round is published: no provisional list can follow it"

PG_FUNCTIONS = f"""
CREATE FUNCTION jifen_publication_is_a_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR ({", ".join(f"NEW.{c}::text" for c in FIXED)})
            IS DISTINCT FROM ({", ".join(f"OLD.{c}::text" for c in FIXED)}) THEN
        RAISE EXCEPTION '{CHANGED}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION jifen_publication_follows_the_stages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stage = 'final' AND NOT EXISTS (
            SELECT 1 FROM publications p WHERE p.tenant_id = NEW.tenant_id AND p.round_id = NEW.round_id
            AND p.run_id = NEW.run_id AND p.stage = 'provisional') THEN
        RAISE EXCEPTION '{NO_PROVISIONAL}' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.stage = 'provisional' AND EXISTS (
            SELECT 1 FROM publications p WHERE p.tenant_id = NEW.tenant_id AND p.round_id = NEW.round_id
            AND p.stage = 'final') THEN
        RAISE EXCEPTION '{AFTER_FINAL}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)
        op.execute("CREATE TRIGGER publications_record BEFORE UPDATE OR DELETE ON publications "
                   "FOR EACH ROW EXECUTE FUNCTION jifen_publication_is_a_record()")
        op.execute("CREATE TRIGGER publications_stages BEFORE INSERT ON publications "
                   "FOR EACH ROW EXECUTE FUNCTION jifen_publication_follows_the_stages()")
        return
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)
    op.execute(f"""CREATE TRIGGER publications_record_update BEFORE UPDATE ON publications WHEN {changed}
                   BEGIN SELECT RAISE(ABORT, '{CHANGED}'); END""")
    op.execute(f"""CREATE TRIGGER publications_record_delete BEFORE DELETE ON publications
                   BEGIN SELECT RAISE(ABORT, '{CHANGED}'); END""")
    op.execute(f"""CREATE TRIGGER publications_final_after_provisional BEFORE INSERT ON publications
                   WHEN NEW.stage = 'final' AND NOT EXISTS (SELECT 1 FROM publications p
                        WHERE p.tenant_id = NEW.tenant_id AND p.round_id = NEW.round_id AND p.run_id = NEW.run_id
                        AND p.stage = 'provisional')
                   BEGIN SELECT RAISE(ABORT, '{NO_PROVISIONAL}'); END""")
    op.execute(f"""CREATE TRIGGER publications_no_provisional_after_final BEFORE INSERT ON publications
                   WHEN NEW.stage = 'provisional' AND EXISTS (SELECT 1 FROM publications p
                        WHERE p.tenant_id = NEW.tenant_id AND p.round_id = NEW.round_id AND p.stage = 'final')
                   BEGIN SELECT RAISE(ABORT, '{AFTER_FINAL}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER publications_record ON publications")
        op.execute("DROP TRIGGER publications_stages ON publications")
        op.execute("DROP FUNCTION jifen_publication_is_a_record()")
        op.execute("DROP FUNCTION jifen_publication_follows_the_stages()")
        return
    for name in ("publications_record_update", "publications_record_delete", "publications_final_after_provisional",
                 "publications_no_provisional_after_final"):
        op.execute(f"DROP TRIGGER {name}")
