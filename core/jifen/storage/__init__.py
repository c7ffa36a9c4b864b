"""Where uploaded files are kept: evidence (jifen.points.evidence) and kept imports (jifen.exchange.kept_uploads).

Both go through one interface, :class:`Store`, chosen by ``JIFEN_STORAGE`` (docs/configuration.md):

- ``folder`` (the default): :class:`LocalFolderStore`, a folder of this server (``JIFEN_EVIDENCE_DIR``,
  by default ``<instance>/evidence``), files 0600 in folders 0700;
- ``database``: :class:`DatabaseStore`, the table ``stored_files``, which every application server
  shares with nothing to mount.

A second application server cannot serve what the first wrote to its own folder: with several
servers, use the database store (or one folder mounted on every server at the same path).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from jifen.storage.base import CHUNK, StorageError, Store, StoredFileMissing
from jifen.storage.database import DatabaseStore
from jifen.storage.folder import LocalFolderStore, folder_store_only

KINDS = ("folder", "database")

__all__ = ["CHUNK", "KINDS", "DatabaseStore", "LocalFolderStore", "StorageError", "Store", "StoredFileMissing",
           "current_store", "folder_root", "folder_store_only"]


def folder_root() -> Path:
    """The folder store's root: ``JIFEN_EVIDENCE_DIR``, or ``<instance>/evidence``."""
    return Path(current_app.config.get("JIFEN_EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")


def current_store(session: Session | None = None, *, area: str | None = None) -> Store:
    """The store of this application (``JIFEN_STORAGE``), for the files of ``area`` (None: evidence).

    The database store works in ``session`` (by default the application context's session) for
    the bound county.
    """
    kind = current_app.config.get("JIFEN_STORAGE") or "folder"
    if kind == "folder":
        return LocalFolderStore(folder_root(), area=area)
    if kind == "database":
        return DatabaseStore(session, area=area)
    raise StorageError(f"JIFEN_STORAGE must be one of {', '.join(KINDS)}, not {kind!r}")
