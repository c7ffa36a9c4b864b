"""``jifen tokens``: a county's API tokens for department systems (make, list, revoke)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from jifen.identity import api_tokens as tokens
from jifen.points.applications import ApplicationError
from jifen.cli.binding import county, session

group = click.Group("tokens", help="API tokens of a county: make (shown once), list, revoke.")
county_option = click.option("--county", "--tenant", "tenant_slug", required=True, metavar="SLUG",
                             help="The county's slug (its folder name under tenants/).")


def _messages(exc: ApplicationError) -> str:
    return "; ".join(f"{field}: {' '.join(str(t) for t in texts)}" for field, texts in exc.messages.items()) or str(exc)


@group.command("create", short_help="Make a token; it is printed once and never stored.")
@county_option
@click.option("--name", required=True, help="Which system uses it, e.g. 'education bureau records system'.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(sorted(tokens.SCOPES)),
              help="A scope; give --scope several times for several.")
@click.option("--department", default=None, help="The department (required with the verification scopes).")
@with_appcontext
def create_command(tenant_slug: str, name: str, scopes: tuple[str, ...], department: str | None):
    """Make an API token for the county. The token is printed once: store it in the calling system."""
    db = session()
    with county(tenant_slug) as tenant:
        try:
            made = tokens.create(db, name, scopes, department, actor="cli")
        except ApplicationError as exc:
            db.rollback()
            raise click.ClickException(f"{tenant.slug}: {_messages(exc)}") from None
        db.commit()
        click.echo(f"{tenant.slug}: token {made.record.id} ({made.record.name}), scopes {', '.join(made.record.scopes)}"
                   + (f", department {made.record.department}" if made.record.department else ""))
        click.echo("Copy it now, it is not shown again:")
        click.echo(made.token)


@group.command("list", short_help="The county's tokens (never the tokens themselves).")
@county_option
@with_appcontext
def list_command(tenant_slug: str):
    """Id, name, first characters, scopes, department, last use and state of each token."""
    with county(tenant_slug) as tenant:
        found = tokens.tokens(session())
        if not found:
            click.echo(f"{tenant.slug}: no token")
        for t in found:
            used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never used"
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            click.echo(f"{t.id}\t{t.name}\t{t.prefix}...\t{','.join(t.scopes)}\t{t.department or '-'}\t{used}\t{state}")


@group.command("revoke", short_help="Revoke a token at once.")
@county_option
@click.argument("token_id", type=int)
@with_appcontext
def revoke_command(tenant_slug: str, token_id: int):
    """Revoke TOKEN_ID: from the next request on it answers 401."""
    db = session()
    with county(tenant_slug) as tenant:
        found = tokens.get(db, token_id)
        if found is None:
            raise click.ClickException(f"{tenant.slug}: no token {token_id} in this county (see: jifen tokens list)")
        if not tokens.revoke(db, found, actor="cli"):
            click.echo(f"{tenant.slug}: token {token_id} was revoked already")
            return
        db.commit()
        click.echo(f"{tenant.slug}: token {token_id} ({found.name}) revoked")
