"""``jifen users``: administrators and roles."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from jifen.cli.binding import county, session
from jifen.identity import accounts

group = click.Group("users", help="Accounts and roles.")


@group.command("create-admin")
@click.option("--tenant", "tenant_slug", default=None, metavar="SLUG",
              help="Create a county administrator of SLUG; without it, a platform administrator.")
@click.option("--username", default=None, help="Platform administrator's user name.")
@click.option("--name", "real_name", default=None, help="County administrator's real name.")
@click.option("--id-number", default=None, help="County administrator's national ID number.")
@click.option("--mobile", default=None, help="County administrator's mobile number (the login).")
@click.password_option(help="The password (asked for when left out).")
@with_appcontext
def create_admin(tenant_slug, username, real_name, id_number, mobile, password):
    """Create a platform administrator, or with --tenant a county administrator."""
    db = session()
    try:
        if tenant_slug is None:
            if not username:
                raise click.UsageError("--username is required for a platform administrator")
            accounts.create_platform_admin(db, username, password)
            db.commit()
            click.echo(f"platform administrator {username} created")
            return
        missing = [opt for opt, value in (("--name", real_name), ("--id-number", id_number), ("--mobile", mobile)) if not value]
        if missing:
            raise click.UsageError(f"a county administrator needs {', '.join(missing)}")
        with county(tenant_slug):
            accounts.create_user(db, real_name=real_name, id_number=id_number, mobile=mobile, password=password,
                                 role="admin", actor="cli")
            db.commit()
        click.echo(f"county administrator {mobile} of {tenant_slug} created")
    except accounts.AccountError as exc:
        db.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from None


@group.command("set-role")
@click.option("--tenant", "tenant_slug", required=True, metavar="SLUG")
@click.argument("mobile")
@click.argument("role", type=click.Choice(["applicant", "reviewer", "admin"]))
@click.option("--department", default=None, help="A reviewer's department, e.g. education.")
@with_appcontext
def set_role(tenant_slug, mobile, role, department):
    """Give the user with MOBILE in a county the ROLE."""
    db = session()
    with county(tenant_slug):
        user = accounts.find_by_mobile(db, mobile)
        if user is None:
            raise click.ClickException(f"no user with mobile {mobile} in {tenant_slug}")
        try:
            changed = accounts.set_role(db, user, role, department, actor="cli")
        except accounts.AccountError as exc:
            db.rollback()
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
        db.commit()
    click.echo(f"{mobile}: {role}{' (' + department + ')' if department else ''}" + ("" if changed else " (unchanged)"))


@group.command("platform-password")
@click.argument("username")
@click.password_option(help="The new password (asked for when left out).")
@with_appcontext
def platform_password(username, password):
    """Set a platform administrator's password (ends their open sessions)."""
    db = session()
    try:
        accounts.set_platform_admin_password(db, username, password)
    except accounts.AccountError as exc:
        db.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    db.commit()
    click.echo(f"password of {username} changed")
