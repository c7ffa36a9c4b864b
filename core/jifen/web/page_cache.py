"""Rendered public pages for anonymous visitors, kept per process.

A county's landing page is the same for every anonymous visitor; what it shows depends on the
county, the language and the set of enabled plugins, and the key holds exactly those. The enabled
set is still read from the database on every request, so switching a plugin is visible on the very
next request; only the template rendering is saved.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Hashable

from flask import current_app, request, session
from flask_login import current_user

# Enough for the landing pages of a thousand counties in two languages, with room for published lists
# (pages of a few kilobytes: some 15 MB per process when full).
MAX_PAGES = 4096


def _pages() -> OrderedDict:
    return current_app.extensions.setdefault("jifen.page_cache", OrderedDict())


def cached_for_anonymous(key: Hashable, render: Callable[[], str]) -> str:
    if current_user.is_authenticated or session.get("_flashes"):
        return render()  # personal content (names, messages): never shared
    # Links differ between the /<county>/ prefix and a county's own host name.
    key = (key, request.script_root, request.environ.get("jifen.host_tenant"))
    pages = _pages()
    page = pages.get(key)
    if page is None:
        page = pages[key] = render()
        if len(pages) > MAX_PAGES:
            pages.popitem(last=False)
    else:
        pages.move_to_end(key)
    return page
