"""``jifen ranking``: rank a round, verify a run, simulate a change, list runs."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from jifen.ranking import runs as ranking
from jifen.cli.binding import county, session, tenant_option, round_or_fail
from jifen.models import RankingRun
from jifen.county.tenancy import require_tenant

group = click.Group("ranking", help="Ranking runs: rank a round, verify a run from its snapshot, simulate, list.")

MOVERS_SHOWN = 50


def _run(db, run_id: int) -> RankingRun:
    found = db.get(RankingRun, (require_tenant().id, run_id))
    if found is None:
        raise click.ClickException(f"{require_tenant().slug}: no ranking run {run_id} in this county "
                                   f"(list them with: jifen ranking list --tenant {require_tenant().slug})")
    return found


class _Progress:
    """Reports the steps of a run on stderr; the snapshot, the long step, with a count."""

    def __init__(self) -> None:
        self.steps_seen: set[str] = set()

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step == "snapshot":
            if total and done and (done == total or done % 50000 == 0):
                click.echo(f"  snapshot: {done} of {total} applications", err=True)
            return
        if step not in self.steps_seen:
            self.steps_seen.add(step)
            click.echo(f"  {step}", err=True)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {counts[name]}" for name in ranking.OUTCOMES if counts.get(name)) or "none"


def _ids(ids) -> str:
    shown = ", ".join(str(i) for i in ids[:MOVERS_SHOWN])
    more = len(ids) - MOVERS_SHOWN
    return (shown + (f" ... and {more} more" if more > 0 else "")) or "none"


@group.command("run", short_help="Rank a round and store the run.")
@tenant_option
@click.argument("round_id", type=int)
@click.option("--seed", type=click.IntRange(0, 2 ** 63 - 1), default=None,
              help="The lottery's seed (default: a random one, recorded with the run).")
@with_appcontext
def run_command(tenant_slug: str, round_id: int, seed: int | None):
    """Rank ROUND_ID: snapshot its applications, rank them in the database, allocate the places,
    and store the run with its digest. The run is not published by this command."""
    db = session()
    with county(tenant_slug) as tenant:
        found = round_or_fail(db, round_id)
        click.echo(f"{tenant.slug}: ranking round {found.id} ({found.program_key}, {found.name})", err=True)
        try:
            outcome = ranking.run(db, found, actor="cli", seed=seed, progress=_Progress())
        except ranking.RankingError as exc:
            db.rollback()
            raise click.ClickException(str(exc)) from None
        db.commit()
    click.echo(f"{tenant.slug}: ranking run {outcome.run_id} of round {found.id}")
    click.echo(f"  seed       {outcome.seed}")
    click.echo(f"  digest     {outcome.digest}")
    click.echo(f"  inputs     {outcome.input_count}")
    click.echo(f"  allocated  {outcome.allocated_count} ({_counts(outcome.counts)})")
    click.echo(f"  cutoff     {outcome.cutoff if outcome.cutoff is not None else '-'}")
    if outcome.compared_with is not None:
        click.echo(f"  against current run {outcome.compared_with}: {len(outcome.moved_in)} in, "
                   f"{len(outcome.moved_out)} out")


@group.command("verify", short_help="Re-rank a run from its snapshot and compare digests.")
@tenant_option
@click.argument("run_id", type=int)
@with_appcontext
def verify_command(tenant_slug: str, run_id: int):
    """Rank RUN_ID's stored snapshot again with its stored parameters and seed; exit 1 if the digest
    differs from the one recorded (or the stored results no longer match it)."""
    db = session()
    with county(tenant_slug) as tenant:
        found = _run(db, run_id)
        check = ranking.verification(db, found)
        db.rollback()  # nothing to keep
    if not check.ok:
        lines = [f"{tenant.slug}: run {run_id} does NOT verify",
                 f"  recorded digest                   {check.recorded}",
                 f"  recomputed from its snapshot      {check.recomputed}",
                 f"  of its stored results             {check.stored_results}"]
        raise click.ClickException("\n".join(lines))
    click.echo(f"{tenant.slug}: run {run_id} verifies: digest {check.recomputed}")


@group.command("simulate", short_help="What if the quota or a points value changed? Stores nothing.")
@tenant_option
@click.argument("round_id", type=int)
@click.option("--quota", type=click.IntRange(min=0), default=None, help="Another quota for the round.")
@click.option("--set", "settings", multiple=True, metavar="ITEM.KEY=VALUE",
              help="Change a score item's setting, e.g. education.points.college=90 (repeatable).")
@click.option("--seed", type=click.IntRange(0, 2 ** 63 - 1), default=None,
              help="The lottery's seed (default: the current run's).")
@with_appcontext
def simulate_command(tenant_slug: str, round_id: int, quota: int | None, settings: tuple[str, ...], seed: int | None):
    """Rank ROUND_ID as it would be with another quota or points table, and print the cutoff and who
    would move in or out against the current run. Nothing is stored or published."""
    db = session()
    with county(tenant_slug) as tenant:
        found = round_or_fail(db, round_id)
        try:
            table = ranking.merge_settings(ranking.parse_setting(s) for s in settings)
            outcome = ranking.simulate(db, found, quota=quota, points_table=table or None, seed=seed,
                                       progress=_Progress())
        except ranking.RankingError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            db.rollback()
    changes = []
    if quota is not None:
        changes.append(f"quota {quota}")
    changes.extend(settings)
    click.echo(f"{tenant.slug}: simulation of round {round_id} ({', '.join(changes) or 'no change'}); nothing stored")
    click.echo(f"  inputs     {outcome.input_count}")
    click.echo(f"  allocated  {outcome.allocated_count} ({_counts(outcome.counts)})")
    click.echo(f"  cutoff     {outcome.cutoff if outcome.cutoff is not None else '-'}")
    if outcome.compared_with is None:
        click.echo("  no current run to compare with")
    else:
        click.echo(f"  against current run {outcome.compared_with}:")
        click.echo(f"    moving in  ({len(outcome.moved_in)}): {_ids(outcome.moved_in)}")
        click.echo(f"    moving out ({len(outcome.moved_out)}): {_ids(outcome.moved_out)}")


@group.command("list", short_help="List ranking runs.")
@tenant_option
@click.argument("round_id", type=int, required=False)
@with_appcontext
def list_command(tenant_slug: str, round_id: int | None):
    """List the county's ranking runs, newest first (of ROUND_ID only, if given); * marks the current run."""
    db = session()
    with county(tenant_slug) as tenant:
        if round_id is not None:
            round_or_fail(db, round_id)
        runs = ranking.runs_of(db, round_id)
        if not runs:
            click.echo(f"{tenant.slug}: no ranking run yet" + (f" for round {round_id}" if round_id else ""))
            return
        click.echo(f"  {'run':<20} {'round':<20} {'created (UTC)':<16} {'inputs':>8} {'allocated':>9} "
                   f"{'cutoff':>8}  digest        actor")
        for r in runs:
            mark = "*" if r.is_current else " "
            cutoff = "-" if r.cutoff is None else str(r.cutoff)
            click.echo(f"{mark} {r.id:<20} {r.round_id:<20} {r.created_at:%Y-%m-%d %H:%M} {r.input_count:>8} "
                       f"{r.allocated_count:>9} {cutoff:>8}  {r.digest[:12]}  {r.actor}")
