"""Deprecated: plugins import the migration helpers from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "tenant_table_created": "jifen.toolkit:tenant_table_created",
    "tenant_table_dropping": "jifen.toolkit:tenant_table_dropping",
})
