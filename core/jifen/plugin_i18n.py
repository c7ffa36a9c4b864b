"""Deprecated: plugins import PluginTranslations from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "PluginTranslations": "jifen.toolkit:PluginTranslations",
    "translations_in": "jifen.toolkit:translations_in",
})
