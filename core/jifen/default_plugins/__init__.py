"""Plugins of the core itself: always installed, enabled in every county, not switchable.

Like Datasette's default plugins, they use the same hooks a third-party plugin uses. The plugin
manager registers them by name (``jifen.plugin.manager.DEFAULT_PLUGINS``).
"""
