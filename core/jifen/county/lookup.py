"""Finding a county by its slug: the one look-up a request, a CLI command, a job and the test kit use."""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import bindparam, select

from jifen.db.outside_transaction import row_outside_transaction
from jifen.db.session import get_db
from jifen.models import Tenant
from jifen.county.revisions import remember_read
from jifen.county.tenancy import TenantRef

TENANT_CACHE_SECONDS = 5.0


# Built once, read outside any transaction: with a thousand counties, each process reads a county's row
# again every few seconds, and a session's transaction would cost more than the read.
_COLUMNS = tuple(column.key for column in Tenant.__table__.columns)
_BY_SLUG = select(*Tenant.__table__.columns).where(Tenant.slug == bindparam("slug"))


def _tenant_cache() -> dict[str, tuple[float, TenantRef]]:
    return current_app.extensions.setdefault("jifen.tenant_cache", {})


def lookup_tenant(slug: str) -> TenantRef | None:
    """The county called ``slug``, read on its own short connection (before any tenant transaction).

    Found counties are kept for a few seconds per process (their name and colours change rarely;
    ``jifen tenants load`` forgets them at once in its own process); unknown slugs are never cached.
    """
    now = time.monotonic()
    cache = _tenant_cache()
    cached = cache.get(slug)
    if cached is not None and now - cached[0] < TENANT_CACHE_SECONDS:
        return cached[1]
    found = row_outside_transaction(get_db().engine, _BY_SLUG, slug=slug)
    if found is None:
        cache.pop(slug, None)
        return None
    row = dict(zip(_COLUMNS, found))
    tenant = TenantRef(
        id=row["id"],
        slug=row["slug"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        hotline=row["hotline"],
        primary_color=row["primary_color"],
        accent_color=row["accent_color"],
        logo=row["logo"],
        settings=dict(row["settings"] or {}),
    )
    cache[slug] = (now, tenant)
    remember_read(tenant.id, row)  # the row holds the county's revisions: they need not be read again
    return tenant


def forget_tenants() -> None:
    _tenant_cache().clear()
    current_app.extensions.pop("jifen.host_cache", None)  # jifen.http.tenant_routing's hosts
