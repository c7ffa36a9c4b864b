"""This plugin's own messages (translations/<locale>/LC_MESSAGES/messages.po), in Chinese and English."""

from pathlib import Path

from jifen.toolkit import PluginTranslations

translations = PluginTranslations(Path(__file__).parent / "translations")
_ = translations.gettext  # translated now, in the visitor's language
_l = translations.lazy_gettext  # translated when shown: for module-level declarations and messages
