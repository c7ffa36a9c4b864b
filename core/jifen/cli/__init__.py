"""The administrator's command line: ``jifen`` (Click via Flask's FlaskGroup)."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata

import click
from flask.cli import FlaskGroup

from jifen import __version__


def _create_app():
    from jifen.app import create_app

    return create_app()


# The command groups, imported when used: `jifen --help` and `jifen ranking list` do not pay for alembic,
# the audit trail or the exchange machinery. The short help is the group's own first line;
# tests/test_cli.py checks that the two agree.
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "db": ("jifen.cli.db", "group", "Database migrations and roles."),
    "tenants": ("jifen.cli.tenants", "group", "Counties (tenants)."),
    "users": ("jifen.cli.users", "group", "Accounts and roles."),
    "plugins": ("jifen.cli.plugins", "group", "Installed plugins, their enablement per county; new plugin packages "
                "and their check (`jifen plugin` is the same group)."),
    "plugin": ("jifen.cli.plugins", "group", "Installed plugins, their enablement per county; new plugin packages "
               "and their check (`jifen plugin` is the same group)."),
    "points": ("jifen.cli.points", "group", "Points: rescoring under the current rules, and rule versions."),
    "ranking": ("jifen.cli.ranking", "group", "Ranking runs: rank a round, verify a run from its snapshot, "
                "simulate, list."),
    "offers": ("jifen.cli.offers", "group", "Offers after a round's final list: make them, expire unanswered ones, "
               "list them."),
    "audit": ("jifen.cli.audit", "group", "The audit trail."),
    "tokens": ("jifen.cli.tokens", "group", "API tokens of a county: make (shown once), list, revoke."),
    "exchange": ("jifen.cli.exchange", "group", "Spreadsheets: import verification results; export review queues "
                 "and published lists."),
    "demo": ("jifen.cli.demo", "group", "Demo data for the embedded default."),
    "demo-data": ("jifen.cli.demo", "demo_data_command", "Add synthetic applicants (not in production)."),
    "worker": ("jifen.cli.workers", "worker_command", "Run jobs from the queue (RQ) until stopped."),
    "scheduler": ("jifen.cli.workers", "scheduler_command", "Queue the timed work (offer deadlines, reminders, "
                  "retries) on a timer."),
}


def lazy_command(name: str) -> click.Command:
    module, attribute, _help = LAZY_COMMANDS[name]
    return getattr(importlib.import_module(module), attribute)


class JifenGroup(FlaskGroup):
    """FlaskGroup whose commands are imported when used: the core's groups (LAZY_COMMANDS), extensions'
    ("flask.commands" entry points) and the plugins' (``register_commands``). `jifen --help` lists the
    plugins' commands from the instance folder's index while the installed plugins are unchanged
    (jifen.cli.plugin_commands) instead of loading every plugin; a command is always run from the
    loaded plugins."""

    def __init__(self, **kwargs):
        super().__init__(create_app=_create_app, add_version_option=False, **kwargs)
        self._plugin_commands: dict[str, str] | None = None  # name -> short help, once loaded
        self.listing_from_index = False  # the `jifen` program; not a test's CliRunner, which has its own plugins

    def _load_plugin_commands_once(self) -> dict[str, str]:
        if self._plugin_commands is None:
            from jifen.cli import plugin_commands
            from jifen.plugin.manager import load_installed_plugins, pm

            stamp = plugin_commands.fingerprint() if self.listing_from_index else None
            before = set(self.commands)
            load_installed_plugins()
            pm.hook.register_commands(cli=self)
            self._plugin_commands = {name: self.commands[name].get_short_help_str(SHORT_HELP_WIDTH)
                                     for name in sorted(set(self.commands) - before)}
            if stamp is not None:
                plugin_commands.remember(self._plugin_commands, stamp)
        return self._plugin_commands

    def _plugins_listing(self) -> dict[str, str]:
        if self._plugin_commands is None and self.listing_from_index:
            from jifen.cli import plugin_commands

            listed = plugin_commands.listed()
            if listed is not None:
                return listed
        return self._load_plugin_commands_once()

    def _load_plugin_commands(self) -> None:
        """Flask's: import every "flask.commands" entry point. Here they are listed by name only and
        imported when used (flask-limiter's `limiter` costs a tenth of a second to import)."""

    def list_commands(self, ctx):
        # Not FlaskGroup's: it builds the whole app to ask for the app's own commands; Jifen has none there.
        return sorted(set(self.commands) | set(LAZY_COMMANDS) | set(_extension_commands())
                      | set(self._plugins_listing()))

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS and name not in self.commands:
            self.add_command(lazy_command(name), name)
        extension = _extension_commands().get(name)
        if extension is not None and name not in self.commands:
            self.add_command(extension.load(), name)
        if name in self.commands:
            return self.commands[name]
        self._load_plugin_commands_once()  # a plugin's command
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        """The list in `jifen --help`, without importing what is not used: stored short helps."""
        plugins = self._plugins_listing()
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                command = self.commands[name]
                if not command.hidden:
                    rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
            elif name in LAZY_COMMANDS:
                rows.append((name, LAZY_COMMANDS[name][2]))
            elif name in plugins:
                rows.append((name, plugins[name]))
            else:
                rows.append((name, _extension_help(_extension_commands()[name])))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


SHORT_HELP_WIDTH = 70


@functools.cache
def _extension_commands() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group="flask.commands")}


def _extension_help(ep: importlib.metadata.EntryPoint) -> str:
    return f"Commands of {ep.dist.name}." if ep.dist else "Commands of an installed extension."


cli = JifenGroup(help=f"Jifen {__version__}: run and administer the new-resident points platform.")


def main() -> None:
    cli.listing_from_index = True
    cli.main(prog_name="jifen")
