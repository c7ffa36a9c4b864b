"""The database: engine, the declarative base, and the tenant-scoped session.

Every session made here carries two hooks (DESIGN.md, "Tenancy"):

* ``do_orm_execute`` adds ``with_loader_criteria(tenant_id == bound county)`` to every ORM select,
  update and delete that touches a tenant-owned model, and raises :class:`TenantNotBound` when no
  county is bound, so a forgotten filter can never return another county's rows (Decidim #4296);
* ``before_flush`` stamps ``tenant_id`` on new rows and refuses to write another county's row.

On PostgreSQL the bound county is also set per transaction (``set_config('jifen.tenant_id', ..., true)``)
for the row-level security policies created by the migrations: the second wall.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import current_app, g, has_app_context
from sqlalchemy import BigInteger, ForeignKey, Integer, MetaData, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column, sessionmaker, with_loader_criteria

from jifen import clock
from jifen.db.sql_functions import register_sqlite_functions
from jifen.county.tenancy import TenantMismatch, TenantNotBound, current_tenant

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RLS_SETTING = "jifen.tenant_id"


def utcnow() -> datetime:
    """Now, as stored: naive UTC from the platform's clock (tests move it)."""
    return clock.utcnow()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: BigInteger}


class TenantScoped:
    """Marker for tenant-owned models.

    It gets ``tenant_id`` as the first column of its primary key; every unique constraint and
    foreign key of its table must lead with ``tenant_id`` too (tests/test_models.py checks it).
    A bulk table written only by ``INSERT ... SELECT`` from checked rows may set
    ``tenant_foreign_key = False``: PostgreSQL checks a foreign key row by row (decision 0010).
    """

    tenant_foreign_key = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        if not cls.tenant_foreign_key:
            return mapped_column(Integer, primary_key=True, sort_order=-10)
        return mapped_column(Integer, ForeignKey("tenants.id"), primary_key=True, sort_order=-10)


def is_tenant_scoped(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantScoped)


class UnscopedQuery(TenantNotBound):
    """A statement on tenant tables that the automatic scoping cannot see: refused, never run unscoped."""


def _tenant_table_names() -> frozenset[str]:
    return frozenset(m.local_table.name for m in Base.registry.mappers if is_tenant_scoped(m.class_))


def _names_tenant_tables(statement) -> bool:
    if not isinstance(statement, ClauseElement):
        return False
    names = _tenant_table_names()
    return any(getattr(t, "name", None) in names for t in find_tables(statement, include_aliases=True, include_joins=True))


def _set_rls_tenant(connection, tenant_id: int | None) -> None:
    connection.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": RLS_SETTING, "value": "" if tenant_id is None else str(tenant_id)},
    )


def install_tenant_scoping(factory: sessionmaker) -> None:
    @event.listens_for(factory, "do_orm_execute")
    def _scope_to_tenant(state):
        if state.is_column_load or state.is_relationship_load:
            return  # the criteria of the parent query propagate to these loads
        if not (state.is_select or state.is_update or state.is_delete or state.is_insert):
            return
        if not any(is_tenant_scoped(m.class_) for m in state.all_mappers):
            if _names_tenant_tables(state.statement):
                # e.g. select(func.count()).select_from(Model): the ORM sees no entity it could scope.
                raise UnscopedQuery(
                    "this statement reads a tenant table the ORM cannot scope; name a mapped column "
                    "(select(func.count(Model.id))) or use a reviewed raw-SQL function"
                )
            return
        tenant = current_tenant()
        if tenant is None:
            raise TenantNotBound("query on tenant data with no county bound")
        tenant_id = tenant.id
        session = state.session
        if session.bind.dialect.name == "postgresql":
            connection = session.connection()  # begins the transaction (after_begin sets the county)
            if session.info.get("rls_tenant") != tenant_id:  # the county was bound mid-transaction
                _set_rls_tenant(connection, tenant_id)
                session.info["rls_tenant"] = tenant_id
        if state.is_insert:
            return  # rows are checked by before_flush, or by the reviewed bulk writers
        state.statement = state.statement.options(
            with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
        )

    @event.listens_for(factory, "before_flush")
    def _stamp_tenant(session, flush_context, instances):
        dirty = [o for o in session.dirty if session.is_modified(o)]
        touched = [o for o in (*session.new, *dirty, *session.deleted) if isinstance(o, TenantScoped)]
        if not touched:
            return
        tenant = current_tenant()
        if tenant is None:
            raise TenantNotBound("write to tenant data with no county bound")
        for obj in session.new:
            if isinstance(obj, TenantScoped) and obj.tenant_id is None:
                obj.tenant_id = tenant.id
        for obj in touched:
            if obj.tenant_id != tenant.id:
                raise TenantMismatch(
                    f"{type(obj).__name__} of county {obj.tenant_id} written while county {tenant.id} is bound"
                )

    @event.listens_for(factory, "after_begin")
    def _begin(session, transaction, connection):
        if connection.dialect.name == "postgresql":
            tenant = current_tenant()
            _set_rls_tenant(connection, tenant.id if tenant else None)
            session.info["rls_tenant"] = tenant.id if tenant else None

    @event.listens_for(factory, "after_transaction_end")
    def _end(session, transaction):
        if transaction.parent is None:
            session.info.pop("rls_tenant", None)


def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLAlchemy's recipe for pysqlite: let SQLAlchemy, not the driver, begin transactions, so that
    # SAVEPOINTs (begin_nested) nest properly instead of committing the outer transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    register_sqlite_functions(dbapi_connection)


def make_engine(url: str, **kwargs) -> Engine:
    # A database error's message never carries the statement's values (permit numbers, employers,
    # objection texts) into a log.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
        return engine
    # A pooled connection is pinged when it is checked out: after the database restarted (or failed
    # over) the dead ones are replaced at once, instead of each failing one request.
    # The ping is one short round trip per checkout; connections are also recycled after 5 minutes.
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_recycle", 300)
    return create_engine(url, **kwargs)


class Database:
    """One per application: the engine and the factory of tenant-scoped sessions."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        install_tenant_scoping(self.sessionmaker)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def new_session(self) -> Session:
        return self.sessionmaker()

    def dispose(self) -> None:
        self.engine.dispose()


def get_db() -> Database:
    return current_app.extensions["jifen.db"]


def get_session() -> Session:
    """The session of the current application context (a request or a CLI command)."""
    if not has_app_context():
        raise RuntimeError("get_session() needs an application context; use Database.new_session() outside one")
    session = g.get("_jifen_session")
    if session is None:
        session = g._jifen_session = get_db().new_session()
    return session


@contextmanager
def session_of_its_own() -> Iterator[Session]:
    """For the block, :func:`get_session` gives a new session of its own, closed afterwards; then the
    application context's session again (the events of a committed transaction run in one)."""
    outer = g.pop("_jifen_session", None)
    session = g._jifen_session = get_db().new_session()
    try:
        yield session
    finally:
        g.pop("_jifen_session", None)
        session.close()
        if outer is not None:
            g._jifen_session = outer


def close_session(exc=None) -> None:
    session = g.pop("_jifen_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def set_tenant_for_raw_sql(connection, tenant_id: int) -> None:
    """For the few reviewed raw-SQL functions: bind the county for RLS on this transaction."""
    if connection.dialect.name == "postgresql":
        _set_rls_tenant(connection, tenant_id)
