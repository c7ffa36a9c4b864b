"""Text translated when it is shown: ``lazy_gettext`` (imported as ``_l``) for declarations and messages.

Flask-Babel's lazy strings tell Jinja they are already HTML, so a value put into one
(``_l("... %(name)s", name=...)``) would reach the page unescaped. These are text: a template
escapes them like any other string. No message of the catalogues contains markup.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyText(LazyString):
    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)
