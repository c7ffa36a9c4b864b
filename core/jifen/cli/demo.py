"""``jifen demo`` and ``jifen demo-data``: demo accounts and synthetic applicants (never for production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from jifen.cli import demo_data
from jifen.cli.binding import county, session, tenant_option
from jifen.cli.demo_data import DEMO_PASSWORD
from jifen.identity import accounts
from jifen.identity.national_id import check_digit
from jifen.models import PlatformAdmin, Tenant

# (role, department, real name, mobile suffix, birth date): fictitious people.
DEMO_PEOPLE = (
    ("admin", None, "王管理", "0001", "19800101"),
    ("reviewer", "education", "李审核", "0002", "19850202"),
    ("applicant", None, "张小明", "0003", "19900303"),
)


def demo_id_number(region: str, born: str, serial: int) -> str:
    first17 = f"{region}{born}{serial:03d}"
    return first17 + check_digit(first17)


@click.group("demo", help="Demo data for the embedded default.")
def group():
    pass


@group.command("accounts")
@with_appcontext
def accounts_command():
    """Create demo accounts in every county (idempotent) and print them."""
    if current_app.config["JIFEN_ENV"] == "production":
        raise click.ClickException("demo accounts are not created in production")
    db = session()
    rows = []
    if db.scalar(select(PlatformAdmin).where(PlatformAdmin.username == "platform")) is None:
        accounts.create_platform_admin(db, "platform", DEMO_PASSWORD)
    rows.append(("(platform)", "platform_admin", "platform"))
    tenants = db.scalars(select(Tenant).order_by(Tenant.id)).all()
    for index, tenant in enumerate(tenants):
        with county(tenant.slug) as bound:
            for serial, (role, department, name, suffix, born) in enumerate(DEMO_PEOPLE, start=1):
                mobile = f"139{index:04d}{suffix}"
                if accounts.find_by_mobile(db, mobile) is None:
                    if department and department not in bound.settings.get("departments", {}):
                        continue
                    accounts.create_user(
                        db, real_name=name, id_number=demo_id_number("330400", born, serial + 10 * index),
                        mobile=mobile, password=DEMO_PASSWORD, role=role, department=department, actor="cli",
                    )
                rows.append((tenant.slug, role + (f" ({department})" if department else ""), mobile))
            db.commit()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for slug, role, login in rows:
        click.echo(f"  {slug:<12} {role:<24} {login}")


@click.command("demo-data", short_help="Add synthetic applicants (not in production).")
@tenant_option
@click.option("--count", required=True, type=click.IntRange(min=1, max=demo_data.MAX_SERIAL),
              help="How many synthetic applicants to add.")
@click.option("--seed", default=0, show_default=True, type=int, help="The same seed gives the same people and items.")
@click.option("--batch-size", default=demo_data.DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(min=1),
              help="Applicants written and committed per batch.")
@with_appcontext
def demo_data_command(tenant_slug: str, count: int, seed: int, batch_size: int):
    """Add COUNT synthetic applicants with confirmed applications to a county (not in production).

    Their points are not computed: run `jifen points rescore --tenant SLUG` afterwards.
    """
    if current_app.config["JIFEN_ENV"] == "production":
        raise click.ClickException("demo data is not created in production")
    db = session()
    with county(tenant_slug) as tenant:
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            bar.update(n)

        try:
            with click.progressbar(length=count, label=f"{tenant.slug}: applicants") as bar:
                result = demo_data.create_applicants(db, count, seed=seed, batch_size=batch_size, progress=advance)
        except demo_data.DemoDataError as exc:
            db.rollback()
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo(f"\n{tenant.slug}: interrupted; {done} synthetic applicants were created in committed batches.",
                       err=True)
            raise click.exceptions.Exit(130) from None
    last = result.first_serial + result.created - 1
    click.echo(f"{tenant.slug}: {result.created} synthetic applicants created (seed {seed}; mobiles "
               f"{demo_data.demo_mobile(result.first_serial)}-{demo_data.demo_mobile(last)}, password {DEMO_PASSWORD})")
    click.echo(f"their points are not computed yet: jifen points rescore --tenant {tenant.slug}")
