"""``jifen plugins`` (also ``jifen plugin``): list installed plugins and switch them per county;
write a new plugin package (``new``) and check one against the contract (``check``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from jifen.county.context import current_county

from jifen.cli.binding import county, session, tenant_option
from jifen.county.enablement import InvalidPluginSettings
from jifen.county.switching import set_plugin_enabled
from jifen.plugin.manager import UnknownPlugin, catalog, refused_plugins

group = click.Group(
    "plugins",
    help="Installed plugins, their enablement per county; new plugin packages and their check "
    "(`jifen plugin` is the same group).",
)


@group.command("list")
@click.option("--tenant", "tenant_slug", default=None, metavar="SLUG", help="Show the state in this county.")
@with_appcontext
def list_(tenant_slug: str | None):
    """List installed plugins (and whether a county has them on), then the refused ones and why."""
    enabled = None
    if tenant_slug:
        with county(tenant_slug):
            enabled = current_county(session()).enabled
    for name, info in catalog().items():
        adds = ", ".join([p.key for p in info.programs] + [i.key for i in info.score_items])
        state = "" if enabled is None else ("\ton" if name in enabled else "\toff")
        click.echo(f"{name}\t{info.version}\t{adds}{state}")
    for name, refusal in sorted(refused_plugins().items()):
        click.echo(f"{name}\t{refusal.version}\tREFUSED: {refusal.reason}")


@group.command("new")
@click.argument("name")
@click.option("--kind", type=click.Choice(["program", "score-item"]), required=True,
              help="A service program (places handed out by rank) or a score item (points).")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write the package folder jifen-<name>/.")
@click.option("--with-tables", is_flag=True, help="Add a table of its own and its Alembic version folder.")
@click.option("--name-zh", default=None, help="The Chinese name counties and applicants see.")
@click.option("--name-en", default=None, help="The English name (default: from NAME).")
@click.option("--category", default="social_service", show_default=True, help="Score items: the score category.")
@click.option("--department", default="civil_affairs", show_default=True,
              help="Score items: the department that verifies it.")
def new(name: str, kind: str, directory: Path, with_tables: bool, name_zh, name_en, category, department):
    """Write a pip-installable plugin package NAME that passes its own tests."""
    from jifen.scaffold import ScaffoldError, files_of, generate

    try:
        folder = generate(name, kind, directory, with_tables=with_tables, name_zh=name_zh, name_en=name_en,
                          category=category, department=department)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {folder}:")
    for path in files_of(folder):
        click.echo(f"  {path}")
    click.echo(f"next: pip install -e {folder}, then jifen plugin check {name}, then pytest in {folder}")


@group.command("check")
@click.argument("name")
@with_appcontext
def check(name: str):
    """Check installed plugin NAME against this core's plugin contract (one line per check)."""
    from jifen.cli.plugin_check import check_plugin

    results = check_plugin(current_app, name)
    for result in results:
        click.echo(result.line())
    failed = [r.check for r in results if not r.ok]
    if failed:
        raise click.ClickException(f"{name} fails: {', '.join(failed)}")
    click.echo(f"{name} passes every check")


@group.command("upgrade-check")
@click.argument("name", required=False)
@with_appcontext
def upgrade_check(name: str | None):
    """Load every county's stored settings of plugin NAME (default: every installed plugin), rule versions
    included, under the installed plugins; name each that cannot be read (run it before an upgrade)."""
    from jifen.cli.upgrade_check import upgrade_check as run_check

    if name is not None and name not in catalog():
        raise click.ClickException(str(UnknownPlugin(name)))
    checked = run_check(session(), name)
    for finding in checked.findings:
        click.echo(finding.line())
    if checked.findings:
        raise click.ClickException(f"{len(checked.findings)} stored settings cannot be read by the installed "
                                   "plugins: give the plugin a settings migration (docs/plugin_author_guide.md)")
    click.echo(f"ok: {checked.read} stored settings read by the installed plugins")


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
