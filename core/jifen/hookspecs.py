"""Deprecated: the hooks are in jifen.plugin.hookspecs; plugins import hookimpl from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "hookimpl": "jifen.toolkit:hookimpl",
})
