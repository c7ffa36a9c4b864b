"""Which county a piece of work belongs to.

The county is bound once per request (from the host name or the first path segment), per CLI command
(``--tenant``) and per background job, in a context variable. Every ORM query on tenant data is scoped
to it by :mod:`jifen.db.session`; with no county bound such a query raises :class:`TenantNotBound` instead of
returning every county's rows.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterator


class TenantNotBound(RuntimeError):
    """A query or write touched tenant data while no county was bound."""


class TenantMismatch(RuntimeError):
    """A write tried to store or change another county's row."""


@dataclass(frozen=True)
class TenantRef:
    """The bound county: its id and slug, plus what every page needs to draw it."""

    id: int
    slug: str
    name_zh: str = ""
    name_en: str = ""
    hotline: str = ""
    primary_color: str = "#b71c1c"
    accent_color: str = "#ffffff"
    logo: str | None = None
    settings: dict = field(default_factory=dict, compare=False, hash=False)


_current: ContextVar[TenantRef | None] = ContextVar("jifen_tenant", default=None)
# The binding's County context (jifen.county.context), made on first use; every bind starts it empty.
binding_context: ContextVar[object | None] = ContextVar("jifen_county", default=None)
# What binding_context holds once the binding changed its county's plugins: read them again through
# the binding's own session (its change is not committed yet), not from what the process keeps.
PLUGINS_CHANGED = object()


def current_tenant() -> TenantRef | None:
    return _current.get()


def require_tenant() -> TenantRef:
    tenant = _current.get()
    if tenant is None:
        raise TenantNotBound("no county is bound: bind one with jifen.county.tenancy.bind_tenant()")
    return tenant


@contextmanager
def bind_tenant(tenant: TenantRef) -> Iterator[TenantRef]:
    """Bind ``tenant`` for the duration of the block, and unbind it afterwards whatever happens."""
    token = push_tenant(tenant)
    try:
        yield tenant
    finally:
        pop_tenant(token)


def push_tenant(tenant: TenantRef):
    """Bind for a request; the caller keeps the token and passes it to :func:`pop_tenant` in teardown."""
    return _current.set(tenant), binding_context.set(None)


def pop_tenant(token) -> None:
    tenant_token, context_token = token
    binding_context.reset(context_token)
    _current.reset(tenant_token)
