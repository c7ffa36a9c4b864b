"""Deprecated: a county's enabled plugins are jifen.toolkit.current_county().enabled."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "enabled_plugin_names": "jifen.county.context:enabled_plugin_names",
    "set_plugin_enabled": "jifen.county.switching:set_plugin_enabled",
    "InvalidPluginSettings": "jifen.county.enablement:InvalidPluginSettings",
})
