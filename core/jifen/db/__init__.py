"""The database: engine and tenant-scoped sessions (jifen.db.session), row ids, SQL functions, migrations.

The names plugin authors imported from jifen.db before jifen.toolkit still work here, with a warning.
"""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "Base": "jifen.toolkit:Base",
    "TenantScoped": "jifen.toolkit:TenantScoped",
    "get_session": "jifen.toolkit:get_session",
})
