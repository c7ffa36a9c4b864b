"""Evidence uploads: checked by their bytes, stored outside the web root under random names.

Only PDF, JPEG and PNG are accepted, and the file's first bytes must be what its name says; a file
is read in chunks, counted against the size limit and hashed (SHA-256) on its way into the store
(:mod:`jifen.storage`, ``JIFEN_STORAGE``): by default the folder
``<instance>/evidence/<county id>/<random name>``, or the database, which every application server
shares. Nothing of an upload is kept when a check fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from jifen.text import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import storage
from jifen.models import DeclaredItem, EvidenceFile
from jifen.county.tenancy import require_tenant

log = logging.getLogger(__name__)

KINDS = {  # extension -> (content type, magic bytes)
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_FILES_PER_ITEM = 10
CHUNK = 64 * 1024


class EvidenceError(ValueError):
    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def storage_root() -> Path:
    """The folder of the folder store (``JIFEN_EVIDENCE_DIR`` or ``<instance>/evidence``)."""
    return storage.folder_root()


class _CheckedStream:
    """The upload as the store reads it: counted against the size limit and hashed on the way.

    Going past the limit raises from ``read``, inside the store's put, so the store keeps nothing.
    """

    def __init__(self, head: bytes, stream: BinaryIO, max_bytes: int) -> None:
        self._head, self._stream, self.max_bytes = head, stream, max_bytes
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(CHUNK), b""))
        if self._head:
            chunk, self._head = self._head[:size], self._head[size:]
        else:
            chunk = self._stream.read(size)
        if chunk:
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise EvidenceError(_l("A file may be at most %(mb)d MB.", mb=self.max_bytes // (1024 * 1024)))
            self.digest.update(chunk)
        return chunk


def _detect(head: bytes) -> str | None:
    for content_type, magics in {v[0]: v[1] for v in KINDS.values()}.items():
        if any(head.startswith(m) for m in magics):
            return content_type
    return None


@dataclass(frozen=True)
class KeptUpload:
    """A checked upload kept in a store: its own name, its type by content, where it is kept, its size and hash."""

    name: str
    content_type: str
    storage_name: str
    size: int
    sha256: str


def keep_checked(session: Session, filename: str, stream: BinaryIO, *, area: str | None = None,
                 max_bytes: int | None = None, before_storing=None) -> KeptUpload:
    """Check an upload (PDF, JPEG or PNG, by name and by content; not empty; at most ``max_bytes``) and
    keep it in the county's store (``area``: another area than the points evidence's); EvidenceError says
    what is wrong. ``before_storing()`` runs once the name is checked (a limit of the caller's)."""
    max_bytes = max_bytes or int(current_app.config.get("JIFEN_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise EvidenceError(_l("Upload a PDF, JPEG or PNG file."))
    if before_storing is not None:
        before_storing()
    head = stream.read(16)
    claimed_type = KINDS[extension][0]
    actual_type = _detect(head)
    if actual_type is None or actual_type != claimed_type:
        raise EvidenceError(_l("This file's content is not the %(kind)s its name says; please upload the real document.",
                               kind=extension.upper()))
    tenant_id = require_tenant().id
    files = storage.current_store(session, area=area) if area else storage.current_store(session)
    storage_name = secrets.token_hex(16)
    checked = _CheckedStream(head, stream, max_bytes)
    size = files.put(tenant_id, storage_name, checked)  # a check failing while it streams leaves nothing
    if size == 0:
        files.delete(tenant_id, storage_name)
        raise EvidenceError(_l("The file is empty."))
    return KeptUpload(name, claimed_type, storage_name, size, checked.digest.hexdigest())


def store(session: Session, item: DeclaredItem, filename: str, stream: BinaryIO,
          max_bytes: int | None = None) -> EvidenceFile:
    """Check and store one upload for ``item``; raise EvidenceError with a clear message."""
    def room_left() -> None:
        if session.scalar(select(func.count(EvidenceFile.id)).where(EvidenceFile.item_id == item.id)) \
                >= MAX_FILES_PER_ITEM:
            raise EvidenceError(_l("An item has at most %(n)d files.", n=MAX_FILES_PER_ITEM))

    kept = keep_checked(session, filename, stream, max_bytes=max_bytes, before_storing=room_left)
    record = EvidenceFile(item_id=item.id, original_name=kept.name, content_type=kept.content_type, size=kept.size,
                          sha256=kept.sha256, storage_name=kept.storage_name)
    session.add(record)
    session.flush()
    return record


def path_of(record: EvidenceFile) -> Path:
    """Where the folder store keeps the file (``JIFEN_STORAGE=folder`` only; read it with :func:`open_file`)."""
    return storage.folder_store_only(storage.current_store()).path_of(record.tenant_id, record.storage_name)


def open_file(record: EvidenceFile, session: Session | None = None) -> BinaryIO:
    """The stored file of ``record`` for reading; raises :class:`jifen.storage.StoredFileMissing`."""
    try:
        return storage.current_store(session).open(record.tenant_id, record.storage_name)
    except storage.StoredFileMissing:
        # A record whose bytes this server cannot find: a lost file, or servers that do not share a store.
        log.error("evidence file %s of county %s is not in the %s store", record.id, record.tenant_id,
                  current_app.config.get("JIFEN_STORAGE") or "folder")
        raise


def remove(session: Session, record: EvidenceFile) -> None:
    files = storage.current_store(session)
    session.delete(record)
    session.flush()
    files.delete(record.tenant_id, record.storage_name)
