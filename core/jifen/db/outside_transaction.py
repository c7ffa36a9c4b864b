"""One row read on a pooled connection outside any transaction, with as little work as possible.

For a question asked on every request whose answer is mostly "nothing changed" (a county's plugins
revision): a session, or even a SQLAlchemy ``Connection``, costs more in Python than the one round
trip the question needs. The statement is compiled once per engine; the pool still pings a
connection when it is checked out, so a dead one is replaced as for any other read.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Engine, exc
from sqlalchemy.sql import Select

_compiled: WeakKeyDictionary[Engine, dict[Select, tuple]] = WeakKeyDictionary()  # engine -> statement -> (compiled, result processors)


def value_outside_transaction(engine: Engine, statement: Select, **params):
    """The first column of the first row of ``statement`` (None without a row), autocommitted."""
    row = row_outside_transaction(engine, statement, **params)
    return None if row is None else row[0]


def row_outside_transaction(engine: Engine, statement: Select, **params) -> tuple | None:
    """The first row of ``statement`` (None without one), autocommitted, its values as SQLAlchemy types
    give them (a JSON column's dict on SQLite too)."""
    by_statement = _compiled.setdefault(engine, {})
    prepared = by_statement.get(statement)
    if prepared is None:
        dialect = engine.dialect
        processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in statement.selected_columns)
        compiled = statement.compile(dialect=dialect)
        prepared = by_statement[statement] = (compiled, str(compiled), processors)
    compiled, sql, processors = prepared
    values = compiled.construct_params(params)
    if engine.dialect.positional:
        values = [values[name] for name in compiled.positiontup]
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except dbapi_error as error:  # the database is away: SQLAlchemy's error, as a session would raise
        raise exc.DBAPIError.instance(None, None, error, dbapi_error, dialect=engine.dialect) from error
    try:
        driver = connection.driver_connection
        # psycopg would BEGIN before the select and ROLLBACK when the pool takes the connection back:
        # two round trips more. (SQLite's connections never begin by themselves here: make_engine.)
        autocommit = engine.dialect.name == "postgresql" and not driver.autocommit
        if autocommit:
            driver.autocommit = True
        try:
            cursor = connection.cursor()
            cursor.execute(sql, values)
            row = cursor.fetchone()
            cursor.close()
        finally:
            if autocommit and not driver.closed:  # a broken connection is thrown away below
                driver.autocommit = False
    except dbapi_error as error:
        # As SQLAlchemy's own execution does: a lost connection is thrown away, and the error is SQLAlchemy's
        # (the application answers 503 to its OperationalError while the database is away).
        disconnected = engine.dialect.is_disconnect(error, driver, None)
        if disconnected:
            connection.invalidate(error)
        raise exc.DBAPIError.instance(sql, values, error, dbapi_error,
                                      connection_invalidated=disconnected, dialect=engine.dialect) from error
    finally:
        connection.close()  # back to the pool
    if row is None:
        return None
    return tuple(value if process is None else process(value) for value, process in zip(row, processors))
