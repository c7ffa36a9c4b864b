"""Settings that survive a plugin's upgrade: a version on the settings schema, and its migrations.

A plugin's settings schema says which version of its settings it reads (``settings_version``, 1 when
it says nothing) and how to bring older stored settings up to it (``settings_migrations``: version ``n``
-> a function turning a version-``n`` dict into a version-``n+1`` dict)::

    class Settings(tk.ItemSettings):
        settings_version = 2
        settings_migrations = {1: tk.rename_setting("unit_ml", "unit_l")}

The core stores the version beside every stored settings dict (a county's enablement row, and per item
in each rule version) and migrates when it reads, so a county's settings and its frozen rule versions
keep their meaning after an upgrade without anyone rewriting them. Settings that cannot be brought up
(no migration for a step, a migration that raises, a result the schema refuses, a version newer than
the installed plugin's) raise :class:`SettingsUnavailable`, whose message says which step failed.
"""

from __future__ import annotations

from typing import Callable, Iterable

import marshmallow as ma

Migration = Callable[[dict], dict]


class SettingsUnavailable(ValueError):
    """Stored settings the installed plugin cannot read; ``str()`` says why, in English, for logs and CLI."""

    def __init__(self, key: str, stored_version: int, reason: str) -> None:
        super().__init__(f"{key}: settings version {stored_version}: {reason}")
        self.key = key
        self.stored_version = stored_version
        self.reason = reason


def version_of(schema_class: type[ma.Schema]) -> int:
    """The settings version ``schema_class`` reads (1 for a schema that declares none)."""
    return int(getattr(schema_class, "settings_version", 1) or 1)


def newest_schema(schema_classes: Iterable[type[ma.Schema]]) -> type[ma.Schema] | None:
    """Of a plugin's settings schemas (they share one settings dict), the one of the highest version."""
    found = list(schema_classes)
    return max(found, key=version_of) if found else None


def migrate(schema_class: type[ma.Schema], stored: dict, stored_version: int | None, *, key: str = "") -> dict:
    """``stored`` (saved under ``stored_version``; None: 1) brought up to ``schema_class``'s version."""
    have = int(stored_version or 1)
    want = version_of(schema_class)
    if have > want:
        raise SettingsUnavailable(key, have, f"they were saved by a newer version of the plugin (settings "
                                             f"version {have}); the installed one reads version {want}")
    steps: dict[int, Migration] = dict(getattr(schema_class, "settings_migrations", None) or {})
    data = dict(stored or {})
    while have < want:
        step = steps.get(have)
        if step is None:
            raise SettingsUnavailable(key, int(stored_version or 1),
                                      f"the installed plugin reads version {want} and has no migration "
                                      f"from version {have} to {have + 1}")
        try:
            data = dict(step(dict(data)))
        except Exception as exc:  # noqa: BLE001 - a plugin's migration, whatever it raises
            raise SettingsUnavailable(key, int(stored_version or 1),
                                      f"the migration from version {have} to {have + 1} raises "
                                      f"{type(exc).__name__}: {exc}") from None
        have += 1
    return data


def load(schema_class: type[ma.Schema], stored: dict, stored_version: int | None, *, key: str = "") -> dict:
    """``stored`` migrated and loaded through ``schema_class``; :class:`SettingsUnavailable` if it cannot be."""
    data = migrate(schema_class, stored, stored_version, key=key)
    try:
        return schema_class().load(data)
    except ma.ValidationError as exc:
        raise SettingsUnavailable(key, int(stored_version or 1),
                                  f"the installed plugin refuses them: {exc.messages}") from None


def load_current(schema_class: type[ma.Schema], values: dict, *, key: str = "") -> dict:
    """``values``, already at ``schema_class``'s version, loaded; :class:`SettingsUnavailable` if refused."""
    return load(schema_class, values, version_of(schema_class), key=key)


def rename_setting(old: str, new: str) -> Migration:
    """A migration step that renames one settings key (the commonest change)."""

    def step(settings: dict) -> dict:
        if old in settings:
            settings[new] = settings.pop(old)
        return settings

    step.__doc__ = f"Rename the setting {old!r} to {new!r}."
    return step
