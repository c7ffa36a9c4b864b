"""``jifen tenants``: create or update counties from their folders."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from jifen.cli.binding import session
from jifen.models import Tenant
from jifen.county.folders import TenantFolderError, apply_spec, read_spec, tenant_folders
from jifen.county.lookup import forget_tenants

group = click.Group("tenants", help="Counties (tenants).")


@group.command()
@click.argument("slug", required=False)
@with_appcontext
def load(slug: str | None):
    """Create or update counties from tenants/<SLUG>/ (all folders when SLUG is left out). Idempotent."""
    root = Path(current_app.config["JIFEN_TENANTS_DIR"])
    db = session()
    try:
        specs = [read_spec(folder) for folder in tenant_folders(root, slug)]
        for spec in specs:
            _, changes = apply_spec(db, spec)
            click.echo(f"{spec.slug}: {', '.join(changes) if changes else 'unchanged'}")
        db.commit()
        forget_tenants()
    except TenantFolderError as exc:
        db.rollback()
        raise click.ClickException(str(exc)) from None


@group.command("list")
@with_appcontext
def list_():
    """List the counties."""
    for tenant in session().scalars(select(Tenant).order_by(Tenant.slug)):
        hosts = ", ".join(h.host for h in tenant.hosts)
        click.echo(f"{tenant.slug}\t{tenant.name_zh}\t{tenant.name_en}\t{hosts}")
