"""Deprecated: CLI commands of plugins use jifen.toolkit.tenant_option, cli_county and get_session."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "tenant_option": "jifen.toolkit:tenant_option",
    "county": "jifen.toolkit:cli_county",
    "session": "jifen.toolkit:get_session",
})
