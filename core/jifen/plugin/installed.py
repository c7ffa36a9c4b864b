"""Which plugins are installed, told without importing any of them (the command line's quick answers)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path

ENTRY_POINT_GROUP = "jifen.plugins"
# Plugins of the core itself (jifen.default_plugins): always registered, enabled in every county.
DEFAULT_PLUGINS = ("jifen.default_plugins.basic_eligibility", "jifen.default_plugins.log_channel")


def fingerprint() -> str:
    """Changes when anything the plugins are made of may have: an entry point added, removed or pointed
    elsewhere, a distribution's version, a source file of a plugin's package added, removed or edited
    (its modification time), the core's version."""
    from jifen import __version__

    parts: list = [__version__]
    for module in DEFAULT_PLUGINS:
        parts.append((module, _sources_stamp(module)))
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        dist = (ep.dist.name, ep.dist.version) if ep.dist else None
        parts.append((ep.name, ep.value, dist, _sources_stamp(ep.module)))
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _sources_stamp(module: str) -> list:
    """The newest modification time and the number of the Python files of ``module``'s package."""
    try:
        spec = importlib.util.find_spec(module)  # imports the parent packages only, not the plugin
    except (ImportError, ValueError):
        return ["missing"]
    if spec is None or spec.origin is None:
        return ["missing"]
    origin = Path(spec.origin)
    files = [origin]
    if spec.submodule_search_locations:  # a package: every file under it
        files = [Path(root) / name for location in spec.submodule_search_locations
                 for root, _dirs, names in os.walk(location) for name in names if name.endswith(".py")]
    stamps = [file.stat().st_mtime_ns for file in files if file.exists()]
    return [max(stamps, default=0), len(stamps)]
