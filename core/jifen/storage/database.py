"""The shared store: files in the table ``stored_files`` of the platform's database.

Every application server reads what any one of them stored, with nothing to mount. The table is a
county's like any other: ``tenant_id`` leads its primary key, every statement goes through the
tenant-scoped session of the bound county (the ORM adds the county to each one), and on PostgreSQL
row-level security is the second wall. A store is only ever used for the bound county: asking it
for another county's key is a :class:`~jifen.county.tenancy.TenantMismatch`, never a read.

Writes are made in the session's transaction: an evidence file commits or rolls back with the row
that names it. A put holds one file in memory (evidence is at most ``JIFEN_MAX_UPLOAD_BYTES``).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jifen.county.tenancy import TenantMismatch, require_tenant
from jifen.db.session import get_session, utcnow
from jifen.models.stored_file import StoredFile
from jifen.storage.base import Data, Store, StoredFileMissing, check_area, check_key, chunks


class DatabaseStore(Store):
    kind = "database"

    def __init__(self, session: Session | None = None, area: str | None = None) -> None:
        self._session = session
        self.area = check_area(area)

    @property
    def session(self) -> Session:
        """The session given, or the one of the current application context."""
        return self._session if self._session is not None else get_session()

    @staticmethod
    def _bound(tenant_id: int) -> None:
        bound = require_tenant()
        if int(tenant_id) != bound.id:
            raise TenantMismatch(f"stored file of county {tenant_id} asked for while county {bound.id} is bound")

    def _key(self, tenant_id: int, key: str) -> str:
        self._bound(tenant_id)
        check_key(key)
        return f"{self.area}/{key}" if self.area else key

    def _in_area(self):
        if self.area:
            return StoredFile.key.startswith(f"{self.area}/", autoescape=True)
        return ~StoredFile.key.startswith("_", autoescape=True)  # areas' keys start with '_', plain keys never

    def put(self, tenant_id: int, key: str, data: Data) -> int:
        stored_key = self._key(tenant_id, key)
        content = b"".join(chunks(data))  # a check raising while it streams leaves the session untouched
        session = self.session
        row = session.scalar(select(StoredFile).where(StoredFile.key == stored_key))
        if row is None:
            session.add(StoredFile(tenant_id=int(tenant_id), key=stored_key, data=content, size=len(content),
                                   created_at=utcnow()))
        else:
            row.data, row.size, row.created_at = content, len(content), utcnow()
        session.flush()
        return len(content)

    def open(self, tenant_id: int, key: str) -> BinaryIO:
        stored_key = self._key(tenant_id, key)
        content = self.session.scalar(select(StoredFile.data).where(StoredFile.key == stored_key))
        if content is None:
            raise StoredFileMissing(f"county {tenant_id}: no stored file {key!r}")
        return io.BytesIO(bytes(content))

    def delete(self, tenant_id: int, key: str) -> None:
        stored_key = self._key(tenant_id, key)
        self.session.execute(delete(StoredFile).where(StoredFile.key == stored_key))

    def exists(self, tenant_id: int, key: str) -> bool:
        return self.stored_at(tenant_id, key) is not None

    def stored_at(self, tenant_id: int, key: str) -> datetime | None:
        stored_key = self._key(tenant_id, key)
        return self.session.scalar(select(StoredFile.created_at).where(StoredFile.key == stored_key))

    def keys(self, tenant_id: int) -> list[str]:
        self._bound(tenant_id)
        cut = len(self.area) + 1 if self.area else 0
        return sorted(key[cut:] for key in self.session.scalars(select(StoredFile.key).where(self._in_area())))

    def remove_older_than(self, tenant_id: int, before: datetime) -> int:
        self._bound(tenant_id)
        result = self.session.execute(delete(StoredFile).where(self._in_area(), StoredFile.created_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

    def commit(self) -> None:
        self.session.commit()
