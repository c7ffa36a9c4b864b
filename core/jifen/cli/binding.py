"""Shared pieces of the CLI: binding a county for a command, the session, clear errors."""

from __future__ import annotations

from contextlib import contextmanager

import click

from jifen.db.session import get_session
from jifen.county.tenancy import bind_tenant, require_tenant
from jifen.county.lookup import lookup_tenant

tenant_option = click.option("--tenant", "tenant_slug", required=True, metavar="SLUG", help="The county's slug (its folder name under tenants/).")


@contextmanager
def county(slug: str):
    """Bind the county ``slug`` for the block (the same binding a request gets); unknown is an error."""
    tenant = lookup_tenant(slug)
    if tenant is None:
        raise click.ClickException(f"no county called {slug!r} (load it with: jifen tenants load {slug})")
    with bind_tenant(tenant):
        yield tenant


def session():
    return get_session()


def round_or_fail(db, round_id: int):
    """The bound county's round ``round_id``, or a clear error (another county's rounds are not found)."""
    from jifen.models import ProgramRound

    found = db.get(ProgramRound, (require_tenant().id, round_id))
    if found is None:
        raise click.ClickException(f"{require_tenant().slug}: no round {round_id} in this county "
                                   "(see the rounds on the administration pages)")
    return found
