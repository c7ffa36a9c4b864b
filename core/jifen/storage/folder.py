"""The default store: a local folder, ``<root>[/<area>]/<county id>/<key>``.

Only the application's own user may read it: folders 0700 and files 0600, whatever the umask, and
folders found looser are tightened. A file is written under a hidden temporary name in its folder and
renamed into place, so a reader sees the whole file or none, and a put that fails leaves nothing.
The file's modification time is the time it was stored, by the platform's clock.

A folder is this server's own: with several application servers, either mount one shared folder on
all of them at the same path or use the database store (docs/configuration.md).
"""

from __future__ import annotations

import os
import secrets
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from jifen import clock
from jifen.storage.base import Data, StorageError, Store, StoredFileMissing, check_area, check_key, chunks

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def _private_folder(path: Path) -> None:
    path.mkdir(mode=FOLDER_MODE, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(FOLDER_MODE)


def _timestamp(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


class LocalFolderStore(Store):
    kind = "folder"

    def __init__(self, root: Path | str, area: str | None = None) -> None:
        self.root = Path(root)
        self.area = check_area(area)

    def _base(self) -> Path:
        return self.root / self.area if self.area else self.root

    def _folder(self, tenant_id: int) -> Path:
        return self._base() / str(int(tenant_id))

    def path_of(self, tenant_id: int, key: str) -> Path:
        """Where the file of ``key`` is (or would be) on this server's disk."""
        return self._folder(tenant_id) / check_key(key)

    def _make_folders(self, path: Path) -> None:
        self.root.parent.mkdir(parents=True, exist_ok=True)
        level = self.root
        _private_folder(level)
        for part in path.parent.relative_to(self.root).parts:  # [area,] county, the key's own folders
            level = level / part
            _private_folder(level)

    def put(self, tenant_id: int, key: str, data: Data) -> int:
        path = self.path_of(tenant_id, key)
        self._make_folders(path)
        temporary = path.parent / f".{secrets.token_hex(8)}.part"
        size = 0
        try:
            with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb") as out:
                for chunk in chunks(data):
                    size += len(chunk)
                    out.write(chunk)
            now = _timestamp(clock.utcnow())
            os.utime(temporary, (now, now))
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return size

    def open(self, tenant_id: int, key: str) -> BinaryIO:
        try:
            return open(self.path_of(tenant_id, key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StoredFileMissing(f"county {tenant_id}: no stored file {key!r}") from None

    def delete(self, tenant_id: int, key: str) -> None:
        self.path_of(tenant_id, key).unlink(missing_ok=True)

    def exists(self, tenant_id: int, key: str) -> bool:
        return self.path_of(tenant_id, key).is_file()

    def stored_at(self, tenant_id: int, key: str) -> datetime | None:
        try:
            mtime = self.path_of(tenant_id, key).stat().st_mtime
        except FileNotFoundError:
            return None
        return datetime.fromtimestamp(mtime, timezone.utc).replace(tzinfo=None)

    def _files(self, tenant_id: int):
        folder = self._folder(tenant_id)
        if not folder.is_dir():
            return
        for path in folder.rglob("*"):
            if path.is_file():
                yield folder, path

    def keys(self, tenant_id: int) -> list[str]:
        return sorted(path.relative_to(folder).as_posix() for folder, path in self._files(tenant_id)
                      if not any(part.startswith(".") for part in path.relative_to(folder).parts))

    def remove_older_than(self, tenant_id: int, before: datetime) -> int:
        """Also removes temporary files of puts that never finished (a worker killed mid-upload)."""
        limit = _timestamp(before)
        removed = 0
        for _folder, path in list(self._files(tenant_id)):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another worker removed it first
        return removed


def folder_store_only(store: Store) -> LocalFolderStore:
    if not isinstance(store, LocalFolderStore):
        raise StorageError(f"the files are kept in the {store.kind} store, not in a folder (JIFEN_STORAGE)")
    return store
