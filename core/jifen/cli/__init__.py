"""The administrator's command line: ``jifen`` (Click via Flask's FlaskGroup)."""

from __future__ import annotations

import importlib

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
    def __init__(self, **kwargs):
        super().__init__(create_app=_create_app, add_version_option=False, **kwargs)
        self._plugin_commands_loaded = False

    def _load_plugin_commands_once(self):
        if not self._plugin_commands_loaded:
            from jifen.plugin.manager import load_installed_plugins, pm

            load_installed_plugins()
            pm.hook.register_commands(cli=self)
            self._plugin_commands_loaded = True

    def list_commands(self, ctx):
        # Not FlaskGroup's: it builds the whole app to ask for the app's own commands; Jifen has none there.
        self._load_plugin_commands()  # Flask's and extensions' entry points ("flask.commands")
        self._load_plugin_commands_once()
        return sorted(set(self.commands) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS and name not in self.commands:
            self.add_command(lazy_command(name), name)
        if name in self.commands:
            return self.commands[name]
        self._load_plugin_commands_once()  # a plugin's command
        return super().get_command(ctx, name)

    def format_commands(self, ctx, formatter):
        """The list in `jifen --help`, without importing the groups not used: their stored short help."""
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, LAZY_COMMANDS[name][2]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


cli = JifenGroup(help=f"Jifen {__version__}: run and administer the new-resident points platform.")


def main() -> None:
    cli.main(prog_name="jifen")
