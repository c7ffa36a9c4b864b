"""The storage interface: what evidence files and kept imports are written to and read from."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime
from typing import BinaryIO, Iterator, Protocol, Union

CHUNK = 64 * 1024
# A key is one or more path segments of letters, digits, '.', '_' and '-', each starting with a letter
# or a digit: never '..', never absolute, never hidden. Names starting with '_' belong to areas.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
_AREA = re.compile(r"_[a-z0-9_]+")
MAX_KEY = 200


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


Data = Union[bytes, bytearray, memoryview, Readable, BinaryIO]


class StorageError(RuntimeError):
    """The store is misconfigured or was asked for something it cannot hold."""


class StoredFileMissing(FileNotFoundError):
    """No file under this key in this county's part of the store."""


def check_key(key: str) -> str:
    if not isinstance(key, str) or len(key) > MAX_KEY or not _KEY.fullmatch(key):
        raise StorageError(f"not a storage key: {key!r}")
    return key


def check_area(area: str | None) -> str | None:
    if area is not None and not _AREA.fullmatch(area):
        raise StorageError(f"not a storage area: {area!r} (an area is '_' and lower-case letters)")
    return area


def chunks(data: Data) -> Iterator[bytes]:
    """The bytes of ``data`` (bytes, or anything with ``read``) in pieces of at most :data:`CHUNK`.

    Whatever reading the stream raises (a size or content check of the caller's reader) propagates:
    the stores keep nothing of a put that raised.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield bytes(view[start:start + CHUNK])
        return
    while True:
        chunk = data.read(CHUNK)
        if not chunk:
            return
        yield bytes(chunk)


class Store(ABC):
    """Files of the counties, each under ``(tenant_id, key)``.

    ``put`` is all or nothing: the file is there whole once it returns, and nothing of it is kept when
    reading the stream raises (which is how callers check a file while it streams in). A put under an
    existing key replaces the file. Each file carries the time it was stored (the platform's clock,
    naive UTC), so short-lived files can be listed and removed by age.

    An *area* (``"_imports"``) is a separate set of keys of the same store, for files of another kind.
    """

    #: "folder" or "database": what JIFEN_STORAGE names.
    kind: str = ""

    @abstractmethod
    def put(self, tenant_id: int, key: str, data: Data) -> int:
        """Store ``data`` (bytes, or a binary stream read to its end) under ``key``; return its size."""

    @abstractmethod
    def open(self, tenant_id: int, key: str) -> BinaryIO:
        """The file for reading, as a binary file object; raises :class:`StoredFileMissing`."""

    @abstractmethod
    def delete(self, tenant_id: int, key: str) -> None:
        """Remove the file; a key that holds nothing is no error."""

    @abstractmethod
    def exists(self, tenant_id: int, key: str) -> bool:
        """Whether a file is stored under ``key``."""

    @abstractmethod
    def stored_at(self, tenant_id: int, key: str) -> datetime | None:
        """When the file was stored (naive UTC, the platform's clock), or None if there is none."""

    @abstractmethod
    def keys(self, tenant_id: int) -> list[str]:
        """The county's keys in this store's area, sorted."""

    @abstractmethod
    def remove_older_than(self, tenant_id: int, before: datetime) -> int:
        """Remove the county's files of this area stored before ``before`` (naive UTC); return how many."""

    def read_bytes(self, tenant_id: int, key: str) -> bytes:
        with self.open(tenant_id, key) as stream:
            return stream.read()

    def commit(self) -> None:
        """Make what was written durable now, for files that outlive the request (kept imports).

        The folder store writes to disk at once, so this does nothing; the database store writes in
        its session's transaction (evidence commits with the rows that name it) and commits it here.
        """
