"""Deprecated: plugins import new_id from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "new_id": "jifen.toolkit:new_id",
})
