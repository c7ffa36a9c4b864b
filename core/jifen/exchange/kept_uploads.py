"""An uploaded import file, kept between its dry run and the clerk's "apply".

The file goes where evidence files go, the store of :mod:`jifen.storage` (``JIFEN_STORAGE``), in its
own area ``_imports``: with the folder store under ``<JIFEN_EVIDENCE_DIR>/_imports/<county id>/``
(outside the web root), with the database store in ``stored_files``, which every application
server shares, so "apply" may reach another server than the dry run did. It is named by the
uploader and a random token, so only the person who checked it can apply it. Applying checks the
SHA-256 shown with the dry run, so what is applied is exactly what was checked. A kept file lives at
most a day (by the platform's clock); applying removes it.

A kept file outlives the request that keeps it: :func:`keep` and :func:`discard` commit the database
store's writes at once. They are called where the request has nothing else pending (the dry run and
the import own and end their transactions).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from jifen import clock, storage
from jifen.county.tenancy import require_tenant

LIFETIME_SECONDS = 24 * 3600
AREA = "_imports"


def _store() -> storage.Store:
    return storage.current_store(area=AREA)


def _key(actor: str, token: str) -> str | None:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    owner = hashlib.sha256(actor.encode()).hexdigest()[:16]
    return f"{owner}-{token}"


def keep(data: bytes, *, actor: str) -> str:
    """Store ``data`` for ``actor``; return the token that names it. Removes kept files past their day."""
    files = _store()
    tenant_id = require_tenant().id
    files.remove_older_than(tenant_id, clock.utcnow() - timedelta(seconds=LIFETIME_SECONDS))
    token = secrets.token_hex(16)
    key = _key(actor, token)
    assert key is not None
    files.put(tenant_id, key, data)
    files.commit()
    return token


def load(token: str, sha256: str, *, actor: str) -> bytes | None:
    """The kept file, if it is still there, is ``actor``'s and has the SHA-256 ``sha256``."""
    key = _key(actor, token or "")
    if key is None:
        return None
    files = _store()
    tenant_id = require_tenant().id
    stored_at = files.stored_at(tenant_id, key)
    if stored_at is None or clock.utcnow() - stored_at > timedelta(seconds=LIFETIME_SECONDS):
        return None
    try:
        data = files.read_bytes(tenant_id, key)
    except storage.StoredFileMissing:
        return None  # removed in between, by the applier's other tab or by another server's clean-up
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def discard(token: str, *, actor: str) -> None:
    key = _key(actor, token or "")
    if key is not None:
        files = _store()
        files.delete(require_tenant().id, key)
        files.commit()
