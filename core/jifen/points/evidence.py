"""Evidence uploads: checked by their bytes, stored outside the web root under random names.

Only PDF, JPEG and PNG are accepted, and the file's first bytes must be what its name says; a file
is read in chunks, counted against the size limit and hashed (SHA-256) on the way to disk, under
``<instance>/evidence/<county id>/<random name>``. Nothing of an upload is kept when a check fails.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from jifen.text import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen.models import DeclaredItem, EvidenceFile
from jifen.county.tenancy import require_tenant

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
    return Path(current_app.config.get("JIFEN_EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")


def _detect(head: bytes) -> str | None:
    for content_type, magics in {v[0]: v[1] for v in KINDS.values()}.items():
        if any(head.startswith(m) for m in magics):
            return content_type
    return None


def store(session: Session, item: DeclaredItem, filename: str, stream: BinaryIO,
          max_bytes: int | None = None) -> EvidenceFile:
    """Check and store one upload for ``item``; raise EvidenceError with a clear message."""
    max_bytes = max_bytes or int(current_app.config.get("JIFEN_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise EvidenceError(_l("Upload a PDF, JPEG or PNG file."))
    if session.scalar(select(func.count(EvidenceFile.id)).where(EvidenceFile.item_id == item.id)) \
            >= MAX_FILES_PER_ITEM:
        raise EvidenceError(_l("An item has at most %(n)d files.", n=MAX_FILES_PER_ITEM))
    head = stream.read(16)
    claimed_type = KINDS[extension][0]
    actual_type = _detect(head)
    if actual_type is None or actual_type != claimed_type:
        raise EvidenceError(_l("This file's content is not the %(kind)s its name says; please upload the real document.",
                               kind=extension.upper()))
    folder = storage_root() / str(require_tenant().id)
    # Only the application's own user may read evidence: folders 0700, files 0600, whatever the umask.
    for level in (storage_root(), folder):
        level.mkdir(mode=0o700, parents=True, exist_ok=True)
        if level.stat().st_mode & 0o077:
            level.chmod(0o700)
    storage_name = secrets.token_hex(16)
    path = folder / storage_name
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise EvidenceError(_l("A file may be at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise EvidenceError(_l("The file is empty."))
    record = EvidenceFile(item_id=item.id, original_name=name, content_type=claimed_type, size=size,
                          sha256=digest.hexdigest(), storage_name=storage_name)
    session.add(record)
    session.flush()
    return record


def path_of(record: EvidenceFile) -> Path:
    return storage_root() / str(record.tenant_id) / record.storage_name


def remove(session: Session, record: EvidenceFile) -> None:
    path = path_of(record)
    session.delete(record)
    session.flush()
    path.unlink(missing_ok=True)
