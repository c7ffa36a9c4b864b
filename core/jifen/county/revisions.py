"""A county's revisions: numbers the database changes with every write to what kept things depend on.

* ``tenants.plugins_revision``: its plugin switches and settings (``plugin_enablements``); the
  processes' County contexts (jifen.county.context) and landing pages are kept under it.
* ``tenants.rounds_revision``: its programs' rounds (``program_rounds``); program pages are kept under it.
* ``tenants.publications_revision``: its published lists (``publications``); their pages are kept under
  it with the rounds revision.
* ``platform_revisions.counties``: the list of counties at / (a county added, removed, renamed).

Triggers (migration core_0024) give a revision a new value with every write, never one it had before
(PostgreSQL: a sequence; SQLite: 63 random bits), so something kept from a transaction that was rolled
back can never pass for a later state. A request reads a revision outside any transaction: one round
trip, no BEGIN and no row-level security setting (``tenants`` has none).
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from jifen.county.tenancy import TenantRef
from jifen.db.outside_transaction import row_outside_transaction
from jifen.models import Tenant

REVISIONS = ("plugins_revision", "rounds_revision", "publications_revision")
# Built once: building a select costs more than the round trip it makes for a page served from memory.
_ONE = {name: select(getattr(Tenant, name)).where(Tenant.id == bindparam("tenant_id")) for name in REVISIONS}
_ALL = select(*(getattr(Tenant, name) for name in REVISIONS)).where(Tenant.id == bindparam("tenant_id"))


def revision(session: Session, tenant: TenantRef, name: str) -> int | None:
    """The county's revision ``name``: through ``session`` when it is in a transaction (it sees its own
    writes, whose triggers changed the revision), else outside any transaction, together with the
    other revisions, which this binding then takes as read (each once)."""
    if session.in_transaction():
        return session.connection().execute(_ONE[name].params(tenant_id=tenant.id)).scalar()
    read = _read_in_binding(tenant, name)
    if read is not _UNREAD:
        return read
    bind = session.get_bind()
    if not isinstance(bind, Engine):  # a session bound to a connection (a test's outer transaction)
        return session.connection().execute(_ONE[name].params(tenant_id=tenant.id)).scalar()
    row = row_outside_transaction(bind, _ALL, tenant_id=tenant.id)
    if row is None:
        return None
    remember_read(tenant.id, dict(zip(REVISIONS, row)))
    return _read_in_binding(tenant, name)


def remember_read(tenant_id: int, row) -> None:
    """The county's row was read in this binding: its revisions need not be read again (once each)."""
    if has_app_context():
        g.jifen_revisions_read = (tenant_id, {name: row[name] for name in REVISIONS})


_UNREAD = object()


def _read_in_binding(tenant: TenantRef, name: str):
    if has_app_context():
        seen = g.get("jifen_revisions_read")
        if seen is not None and seen[0] == tenant.id and name in seen[1]:
            return seen[1].pop(name)
    return _UNREAD
