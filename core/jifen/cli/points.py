"""``jifen points``: re-apply a county's current rules to its confirmed applications, and list rule versions."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from jifen.points import ledger
from jifen.cli.binding import county, session, tenant_option
from jifen.models import RuleVersion
from jifen.points.rules import ensure_current_version

group = click.Group("points", help="Points: rescoring under the current rules, and rule versions.")


@group.command("rescore", short_help="Rescore confirmed applications under the current rules.")
@tenant_option
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(min=1),
              help="Applications scored and committed per batch.")
@with_appcontext
def rescore(tenant_slug: str, batch_size: int):
    """Compute the ledger of every confirmed application not yet under the county's current rules.

    Idempotent: a second run rescores nothing. Interrupting it (Ctrl-C) keeps the batches already
    committed; the next run goes on from there.
    """
    db = session()
    with county(tenant_slug) as tenant:
        current = ensure_current_version(db, actor="cli", note="rescore")
        db.commit()
        todo = ledger.to_rescore(db, current.version)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            bar.update(n)

        try:
            with click.progressbar(length=todo, label=f"{tenant.slug}: rescoring under rule version {current.version}") as bar:
                result = ledger.rescore(db, actor="cli", batch_size=batch_size, progress=advance)
        except KeyboardInterrupt:
            db.rollback()
            click.echo(f"\n{tenant.slug}: interrupted; {done} applications were rescored in committed batches. "
                       "Run the command again to go on.", err=True)
            raise click.exceptions.Exit(130) from None
    click.echo(f"{tenant.slug}: {result.rescored} applications rescored under rule version {result.version} "
               f"({result.already_current} already under it)")


@group.command("versions", short_help="List the rule versions.")
@tenant_option
@with_appcontext
def versions(tenant_slug: str):
    """List the county's rule versions, newest first: number, date, actor, note."""
    db = session()
    with county(tenant_slug) as tenant:
        rows = db.scalars(select(RuleVersion).order_by(RuleVersion.version.desc())).all()
        if not rows:
            click.echo(f"{tenant.slug}: no rule version yet (one is made when points are first confirmed or rescored)")
            return
        click.echo(f"{'version':>7}  {'created (UTC)':<16}  {'actor':<20}  note")
        for row in rows:
            click.echo(f"{row.version:>7}  {row.created_at:%Y-%m-%d %H:%M}  {row.actor:<20}  {row.note or ''}")
