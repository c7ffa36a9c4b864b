"""``jifen audit``: verify a county's audit chain."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from jifen import audit as audit_trail
from jifen.cli.binding import county, session, tenant_option

group = click.Group("audit", help="The audit trail.")


@group.command()
@tenant_option
@with_appcontext
def verify(tenant_slug: str):
    """Recompute the county's hash chain; exit 1 if a record was altered or removed."""
    with county(tenant_slug):
        check = audit_trail.verify(session())
    if not check.ok:
        raise click.ClickException(f"chain broken at record {check.first_bad_seq} (after {check.count} good records)")
    click.echo(f"{tenant_slug}: {check.count} records, chain verifies")
