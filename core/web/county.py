"""What the bound county offers on this request: its enabled plugins and their declarations."""

from __future__ import annotations

from flask import g

from jifen.db import get_session
from jifen.enablement import enabled_plugin_names
from jifen.plugin_manager import CountyHooks, county_programs, county_score_items


def enabled_plugins() -> frozenset[str]:
    if "enabled_plugins" not in g:
        g.enabled_plugins = enabled_plugin_names(get_session())
    return g.enabled_plugins


def hooks() -> CountyHooks:
    return CountyHooks(enabled_plugins())


def programs():
    return county_programs(enabled_plugins())


def score_items():
    return county_score_items(enabled_plugins())
