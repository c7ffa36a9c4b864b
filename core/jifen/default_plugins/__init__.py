"""Plugins of the core itself: always installed, enabled in every county, not switchable.

Like Datasette's default plugins, they use the same hooks a third-party plugin uses.
"""

DEFAULT_PLUGINS = ("jifen.default_plugins.basic_eligibility", "jifen.default_plugins.log_channel")
