"""Row ids for tenant-owned tables.

Their primary keys are (tenant_id, id); SQLite cannot autoincrement the second column of a composite
key, and a per-table sequence would be a hot spot once Citus shards by county. So ids are made here:
time-ordered 63-bit integers (milliseconds since 2024-01-01, a per-process node number, a counter),
unique across processes without coordination.
"""

from __future__ import annotations

import os
import secrets
import threading
import time

_EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
_NODE_BITS = 10
_COUNTER_BITS = 12


class _Generator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._node = secrets.randbits(_NODE_BITS)
        self._last_ms = -1
        self._counter = 0

    def __call__(self) -> int:
        with self._lock:
            if os.getpid() != self._pid:  # forked worker: pick a new node number
                self._reset()
            now = int(time.time() * 1000) - _EPOCH_MS
            if now < self._last_ms:  # clock went back: keep counting from the last instant
                now = self._last_ms
            if now == self._last_ms:
                self._counter = (self._counter + 1) & ((1 << _COUNTER_BITS) - 1)
                if self._counter == 0:
                    while now <= self._last_ms:
                        now = int(time.time() * 1000) - _EPOCH_MS
            else:
                self._counter = 0
            self._last_ms = now
            return (now << (_NODE_BITS + _COUNTER_BITS)) | (self._node << _COUNTER_BITS) | self._counter


new_id = _Generator()
