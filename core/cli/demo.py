"""``jifen demo``: demo accounts for the embedded default (never for production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from jifen.cli.context import county, session
from jifen.identity import accounts
from jifen.identity.national_id import check_digit
from jifen.models import PlatformAdmin, Tenant

DEMO_PASSWORD = "Demo-pass-2026"
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
