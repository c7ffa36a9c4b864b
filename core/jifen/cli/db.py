"""``jifen db``: migrations (run by command, never when a web worker starts) and the application role."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from jifen.db import migrations as migrations_runner

group = click.Group("db", help="Database migrations and roles.")


@group.command()
@click.argument("revision", default="heads")
@with_appcontext
def upgrade(revision: str):
    """Apply migrations of the core and of every installed plugin."""
    migrations_runner.upgrade(current_app, revision)
    click.echo(f"database at {revision}")


@group.command()
@click.argument("revision")
@with_appcontext
def downgrade(revision: str):
    """Revert migrations down to REVISION (e.g. a plugin's base: school_enrollment@base)."""
    migrations_runner.downgrade(current_app, revision)
    click.echo(f"database at {revision}")


@group.command()
@with_appcontext
def current():
    """Show the applied revisions."""
    for rev in migrations_runner.current(current_app):
        click.echo(rev)


@group.command("grant-app-role")
@click.argument("role")
@click.option("--password", default=None, help="Give the role a password (otherwise it relies on host authentication).")
@with_appcontext
def grant_app_role(role: str, password: str | None):
    """PostgreSQL: create ROLE if needed and grant it what the application needs, and no more.

    The role does not own the tables, so row-level security applies to it.
    """
    migrations_runner.grant_app_role(current_app, role, password)
    click.echo(f"role {role} can use the database; row-level security applies to it")
