"""Rendered public pages for anonymous visitors, kept per process.

A county's landing page is the same for every anonymous visitor; what it shows depends on the
county, the language, the day and its plugins (their revision), and the key holds exactly those. A
program's page adds its rounds' revision (jifen.county.revisions); a published list, the publication
(which never changes). The plugins revision is read on every request, so switching a
plugin is visible on the very next request; only the template rendering is saved.
"""

from __future__ import annotations

from typing import Callable, Hashable

from flask import request, session
from flask_login import current_user

from jifen.http.kept import kept


def shared_with_anonymous() -> bool:
    """Whether this request gets a page kept for every anonymous visitor: not for an account, nor with
    a message waiting for this visitor (personal content is never shared)."""
    return not (current_user.is_authenticated or session.get("_flashes"))


def cached_for_anonymous(key: Hashable, render: Callable[[], str]) -> str:
    if not shared_with_anonymous():
        return render()
    # Links differ between the /<county>/ prefix and a county's own host name.
    return kept(("page", key, request.script_root, request.environ.get("jifen.host_tenant")), render)

