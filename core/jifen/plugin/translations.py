"""A plugin's own messages: its ``translations/<locale>/LC_MESSAGES/messages.po``, read as they are.

The core's catalogue belongs to the core; a plugin keeps its strings in its own package, next to its
code, in the core's two languages (``zh_Hans_CN`` and ``en``). The ``.po`` files are read directly
(compiled in memory once per process), so a plugin needs no compile step between ``pip install``
and use::

    # jifen_volunteering/i18n.py
    from pathlib import Path
    from jifen.plugin.translations import PluginTranslations

    translations = PluginTranslations(Path(__file__).parent / "translations")
    _ = translations.gettext
    _l = translations.lazy_gettext

Messages are picked in the visitor's language (the command line speaks English); a message missing
from the catalogue is shown as its English msgid. ``jifen plugin check`` fails a plugin whose
messages are not all in both catalogues.
"""

from __future__ import annotations

import gettext as gettext_module
import io
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jifen.text import LazyText

LOCALES = ("zh_Hans_CN", "en")
DEFAULT_LOCALE = "zh_Hans_CN"


def catalog_path(folder: Path, locale: str) -> Path:
    return Path(folder) / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path):
    """The babel ``Catalog`` of one ``.po`` file."""
    with open(path, "rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def _current_locale() -> str:
    from flask import has_app_context

    if not has_app_context():
        return "en"  # the command line speaks English
    from flask_babel import get_locale

    return str(get_locale() or DEFAULT_LOCALE)


class PluginTranslations:
    """gettext over one plugin's ``translations`` folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._loaded: dict[str, gettext_module.NullTranslations] = {}
        self._lock = threading.Lock()

    def translations(self, locale: str) -> gettext_module.NullTranslations:
        with self._lock:
            if locale not in self._loaded:
                self._loaded[locale] = self._load(locale)
            return self._loaded[locale]

    def _load(self, locale: str) -> gettext_module.NullTranslations:
        for candidate in (locale, locale.split("_")[0]):
            path = catalog_path(self.folder, candidate)
            if path.is_file():
                catalog = read_catalog(path)
                buffer = io.BytesIO()
                write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
                buffer.seek(0)
                return gettext_module.GNUTranslations(buffer)
        return gettext_module.NullTranslations()

    def gettext(self, msgid: str, **variables) -> str:
        text = self.translations(_current_locale()).gettext(msgid)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return self.translations(_current_locale()).ngettext(singular, plural, num) % variables

    def lazy_gettext(self, msgid: str, **variables) -> LazyText:
        """Translated when it is shown, in the language of that moment (for declarations, messages)."""
        return LazyText(self.gettext, msgid, **variables)


_by_folder: dict[Path, PluginTranslations] = {}


def translations_in(folder: str | Path) -> PluginTranslations:
    """The (shared) translations of a folder; used by the core for plugin templates."""
    key = Path(folder).resolve()
    if key not in _by_folder:
        _by_folder[key] = PluginTranslations(key)
    return _by_folder[key]
