"""An uploaded import file, kept between its dry run and the clerk's "apply".

The file goes where evidence files go (``JIFEN_EVIDENCE_DIR``: outside the web root, and shared by
every app server in production), under ``_imports/<county id>/``, named by the uploader and a random
token, so only the person who checked it can apply it. Applying checks the SHA-256 shown with the dry
run, so what is applied is exactly what was checked. A kept file lives at most a day; applying
removes it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from jifen.points.evidence import storage_root
from jifen.county.tenancy import require_tenant

LIFETIME_SECONDS = 24 * 3600


def _folder() -> Path:
    return storage_root() / "_imports" / str(require_tenant().id)


def _path(actor: str, token: str) -> Path | None:
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    owner = hashlib.sha256(actor.encode()).hexdigest()[:16]
    return _folder() / f"{owner}-{token}"


def keep(data: bytes, *, actor: str) -> str:
    """Store ``data`` for ``actor``; return the token that names it. Removes kept files past their day."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        try:
            if now - old.stat().st_mtime > LIFETIME_SECONDS:
                old.unlink()
        except FileNotFoundError:
            pass  # another worker removed it first
    token = secrets.token_hex(16)
    with open(_path(actor, token), "xb") as out:
        out.write(data)
    return token


def load(token: str, sha256: str, *, actor: str) -> bytes | None:
    """The kept file, if it is still there, is ``actor``'s and has the SHA-256 ``sha256``."""
    path = _path(actor, token or "")
    if path is None or not path.is_file() or time.time() - path.stat().st_mtime > LIFETIME_SECONDS:
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def discard(token: str, *, actor: str) -> None:
    path = _path(actor, token or "")
    if path is not None:
        path.unlink(missing_ok=True)
