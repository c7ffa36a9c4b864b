"""The database: engine and tenant-scoped sessions, row ids, SQL functions, migrations."""
