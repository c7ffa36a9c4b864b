"""The index of the commands plugins add, so that `jifen --help` need not load every plugin to list them.

Loading the installed plugins imports the toolkit and, through it, SQLAlchemy, the models and
marshmallow: most of a second. The `jifen` program that loads them writes the names and short helps
of the commands they added (``register_commands``) to ``plugin-commands.json`` in the instance folder,
with the fingerprint of the installed plugins (jifen.plugin.installed). Later, `jifen --help` lists
from that index as long as the fingerprint is the same: an added, removed, upgraded or edited plugin
is loaded again and the index rewritten. An index that cannot be read or written (a read-only
instance folder) only means the plugins are loaded, as before.
"""

from __future__ import annotations

import json
import os
import tempfile

from jifen.config import instance_path
from jifen.plugin.installed import fingerprint

INDEX_NAME = "plugin-commands.json"

__all__ = ["INDEX_NAME", "fingerprint", "listed", "remember"]


def listed() -> dict[str, str] | None:
    """Command name -> short help of the plugins' commands, or None when the index is not current."""
    try:
        index = json.loads((instance_path() / INDEX_NAME).read_text(encoding="utf-8"))
        if index.get("fingerprint") != fingerprint():
            return None
        return {str(name): str(help_) for name, help_ in index["commands"].items()}
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return None


def remember(commands: dict[str, str], stamp: str) -> None:
    """Write the index (atomically: a concurrent `jifen --help` reads the old one or the new one)."""
    folder = instance_path()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=".plugin-commands-",
                                         delete=False) as out:
            json.dump({"fingerprint": stamp, "commands": commands}, out, ensure_ascii=False, indent=1)
        os.replace(out.name, folder / INDEX_NAME)
    except OSError:
        pass
