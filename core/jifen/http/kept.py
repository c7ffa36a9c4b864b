"""Values made once per process and kept: rendered public pages (jifen.web.page_cache) and pages of
published lists for the API, which are the same for everyone who may ask and never change.

One bounded store per application, least recently used out first.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable

from flask import current_app

# Enough for the landing pages of a thousand counties in two languages, with room for published lists
# (pages of a few kilobytes: some 15 MB per process when full).
MAX_PAGES = 4096


def _store() -> OrderedDict:
    return current_app.extensions.setdefault("jifen.kept", OrderedDict())


def kept(key: Hashable, make: Callable[[], object]):
    """The value kept under ``key``, made by ``make`` the first time. Callers must not change it."""
    store = _store()
    value = store.get(key)
    if value is None:
        value = store[key] = make()
        if len(store) > MAX_PAGES:
            store.popitem(last=False)
    else:
        store.move_to_end(key)
    return value
