"""``jifen plugins``: list installed plugins and switch them per county."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from jifen.cli.context import county, session, tenant_option
from jifen.enablement import InvalidPluginSettings, enabled_plugin_names, set_plugin_enabled
from jifen.plugin_manager import UnknownPlugin, catalog

group = click.Group("plugins", help="Installed plugins and their enablement per county.")


@group.command("list")
@click.option("--tenant", "tenant_slug", default=None, metavar="SLUG", help="Show the state in this county.")
@with_appcontext
def list_(tenant_slug: str | None):
    """List installed plugins (and whether a county has them on)."""
    enabled = None
    if tenant_slug:
        with county(tenant_slug):
            enabled = enabled_plugin_names(session())
    for name, info in catalog().items():
        adds = ", ".join([p.key for p in info.programs] + [i.key for i in info.score_items])
        state = "" if enabled is None else ("\ton" if name in enabled else "\toff")
        click.echo(f"{name}\t{info.version}\t{adds}{state}")


def _switch(tenant_slug: str, name: str, enabled: bool) -> None:
    with county(tenant_slug) as tenant:
        db = session()
        try:
            changed = set_plugin_enabled(db, name, enabled, actor="cli")
        except (UnknownPlugin, InvalidPluginSettings) as exc:
            db.rollback()
            raise click.ClickException(str(exc)) from None
        db.commit()
    state = "on" if enabled else "off"
    click.echo(f"{name} is {state} in {tenant.slug}" + ("" if changed else " (it already was)"))


@group.command()
@tenant_option
@click.argument("name")
@with_appcontext
def enable(tenant_slug: str, name: str):
    """Switch plugin NAME on for a county."""
    _switch(tenant_slug, name, True)


@group.command()
@tenant_option
@click.argument("name")
@with_appcontext
def disable(tenant_slug: str, name: str):
    """Switch plugin NAME off for a county."""
    _switch(tenant_slug, name, False)
