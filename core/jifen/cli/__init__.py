"""The administrator's command line: ``jifen`` (Click via Flask's FlaskGroup)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from jifen import __version__


def _create_app():
    from jifen.app import create_app

    return create_app()


def _register_groups(group: click.Group) -> None:
    from jifen.cli import audit, db, demo, exchange, offers, plugins, points, ranking, tenants, tokens, users, workers

    for module in (db, tenants, users, plugins, points, ranking, offers, audit, tokens, exchange, demo):
        group.add_command(module.group)
    group.add_command(plugins.group, "plugin")  # `jifen plugin new|check` reads better for authors
    group.add_command(demo.demo_data_command)
    group.add_command(workers.worker_command)
    group.add_command(workers.scheduler_command)


class JifenGroup(FlaskGroup):
    def __init__(self, **kwargs):
        super().__init__(create_app=_create_app, add_version_option=False, **kwargs)
        _register_groups(self)
        self._plugin_commands_loaded = False

    def _load_plugin_commands_once(self):
        if not self._plugin_commands_loaded:
            from jifen.plugin.manager import load_installed_plugins, pm

            load_installed_plugins()
            pm.hook.register_commands(cli=self)
            self._plugin_commands_loaded = True

    def list_commands(self, ctx):
        self._load_plugin_commands_once()
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        self._load_plugin_commands_once()
        return super().get_command(ctx, name)


cli = JifenGroup(help=f"Jifen {__version__}: run and administer the new-resident points platform.")


def main() -> None:
    cli.main(prog_name="jifen")
