"""``jifen offers``: offer the places of a round's final list, expire unanswered offers, list them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from jifen.programs import offers
from jifen.points.applications import ApplicationError
from jifen.cli.binding import county, session, tenant_option, round_or_fail
from jifen.models import ProgramRound
from jifen.county.tenancy import require_tenant

group = click.Group("offers", help="Offers after a round's final list: make them, expire unanswered ones, list them.")


def _fail(db, exc: ApplicationError):
    db.rollback()
    raise click.ClickException(f"{require_tenant().slug}: {exc}") from None


@group.command("make", short_help="Offer every allocated applicant of the final list their place.")
@tenant_option
@click.argument("round_id", type=int)
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Working days to answer (default: the program's offer_days setting, else 10).")
@with_appcontext
def make_command(tenant_slug: str, round_id: int, days: int | None):
    """Offer ROUND_ID's places to the applicants its final list allocated. Running it again offers
    nothing twice: only allocated applicants without an offer in the round get one."""
    db = session()
    with county(tenant_slug) as tenant:
        found = round_or_fail(db, round_id)
        try:
            made = offers.make_offers(db, found, actor="cli", days=days)
        except ApplicationError as exc:
            _fail(db, exc)
        db.commit()
        if made:
            click.echo(f"{tenant.slug}: {len(made)} offers made in round {found.id}, "
                       f"to be answered by {made[0].deadline.isoformat()}")
        else:
            click.echo(f"{tenant.slug}: no new offer in round {found.id} (every allocated applicant has one)")


@group.command("expire", short_help="Expire unanswered offers past their deadline and pass their places on.")
@tenant_option
@click.argument("round_id", type=int)
@with_appcontext
def expire_command(tenant_slug: str, round_id: int):
    """Offers of ROUND_ID not answered by their deadline expire; each place is offered to the next
    applicant on the waiting list. Safe to run every day (e.g. from cron)."""
    db = session()
    with county(tenant_slug) as tenant:
        found = round_or_fail(db, round_id)
        try:
            outcomes = offers.expire(db, found, actor="cli")
        except ApplicationError as exc:
            _fail(db, exc)
        db.commit()
        click.echo(f"{tenant.slug}: {len(outcomes)} offers expired in round {found.id}")
        for outcome in outcomes:
            target = (f"offered to application {outcome.successor.program_application_id}"
                      if outcome.successor is not None else "nobody left on the waiting list")
            click.echo(f"  application {outcome.offer.program_application_id}: place {target}")


@group.command("list", short_help="List a round's offers and places.")
@tenant_option
@click.argument("round_id", type=int)
@click.option("--status", type=click.Choice(["offered", "accepted", "declined", "expired"]), default=None,
              help="Only offers in this status.")
@with_appcontext
def list_command(tenant_slug: str, round_id: int, status: str | None):
    """List ROUND_ID's places per sub-quota, then its offers, oldest first."""
    db = session()
    with county(tenant_slug) as tenant:
        found = round_or_fail(db, round_id)
        try:
            output = _listing(tenant.slug, found, offers.summary(db, found), offers.offers_of(db, found), status)
        finally:
            db.rollback()  # nothing to keep
    click.echo("\n".join(output))


def _listing(slug: str, found: ProgramRound, lines, every, status: str | None) -> list[str]:
    numbers = {offer.id: offer.program_application_id for offer in every}
    rows = [offer for offer in every if status is None or offer.status == status]
    header = (f"  {'sub-quota':<16} {'places':>6} {'offered':>7} {'accepted':>8} {'declined':>8} "
              f"{'expired':>7} {'waiting':>7}")
    output = [f"{slug}: round {found.id} ({found.program_key}, {found.name})", header]
    for line in lines:
        output.append(f"  {line.sub_quota or '-':<16} {line.places:>6} {line.offered:>7} {line.accepted:>8} "
                      f"{line.declined:>8} {line.expired:>7} {line.waiting:>7}")
    if not rows:
        output.append("  no offer" + (f" {status}" if status else "") + " yet")
        return output
    output.append(f"  {'application':<20} {'sub-quota':<16} {'round':>5} {'status':<9} {'deadline':<10}  place of")
    for offer in rows:
        output.append(f"  {offer.program_application_id:<20} {offer.sub_quota or '-':<16} "
                      f"{offer.allocation_round:>5} {offer.status:<9} {offer.deadline.isoformat():<10}  "
                      f"{numbers.get(offer.replaces_offer_id, '-')}")
    return output
