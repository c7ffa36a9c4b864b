"""The one PluginManager, the installed plugins, and the per-county subset of them.

Installed plugins come from the ``jifen.plugins`` entry-point group, built-in ones included; the
core never imports plugins/. A plugin that cannot run on this core (core versions it declares, an
import error, hooks that do not match the specs) is refused with its reason while the others load.
A county enables a subset (table ``plugin_enablements``); its hooks are called through
``subset_hook_caller`` with the others removed, cached per set of removed plugins, so switching a
plugin is effective on the next request without a restart.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import pluggy

from jifen.plugin import hookspecs
from jifen.plugin.kinds import ScoreItemType, ServiceProgram
from jifen.plugin.pages import Page
from jifen.plugin.versions import incompatibility, support_of

from jifen.plugin.installed import DEFAULT_PLUGINS, ENTRY_POINT_GROUP  # noqa: F401 - named here too
log = logging.getLogger("jifen.plugins")

pm = pluggy.PluginManager("jifen")
pm.add_hookspecs(hookspecs)

_lock = threading.Lock()
_switchable: dict[str, str] = {}  # plugin name -> version of the distribution that ships it
_refused: dict[str, "Refusal"] = {}  # installed but not loaded, with the reason
_loaded = False


class UnknownPlugin(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        if self.name in _refused:
            return f"plugin {self.name!r} is installed but refused: {_refused[self.name].reason}"
        known = ", ".join(sorted(_switchable)) or "none"
        return f"no installed plugin is called {self.name!r} (installed: {known})"


@dataclass(frozen=True)
class Refusal:
    """An installed plugin the core would not load, and why (shown by the CLI and the admin pages)."""

    name: str
    version: str
    reason: str


def load_installed_plugins(*, rescan: bool = False) -> None:
    """Register every plugin of the entry-point group once per process.

    A plugin that declares core versions this core is not, whose module raises on import, whose hook
    implementations do not match the specs, or whose declarations fail is *refused*: not registered,
    logged, listed by :func:`refused_plugins`; every other plugin loads. ``rescan`` looks at the
    entry points again (a plugin installed since, or one refused before), as a new process would.
    """
    global _loaded
    with _lock:
        if _loaded and not rescan:
            return
        if rescan:
            importlib.invalidate_caches()
        for module_name in DEFAULT_PLUGINS:  # always on, never switchable
            if pm.get_plugin(module_name) is None:
                pm.register(importlib.import_module(module_name), name=module_name)
        # Built-in plugins first, then the others by name: when two declare the same key, the same one
        # loads on every server and at every start.
        entry_points = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                              key=lambda ep: (not support_of(ep.dist).built_in, ep.name))
        for ep in entry_points:
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            version = ep.dist.version if ep.dist else "unknown"
            reason = _load(ep)
            if reason is None:
                _refused.pop(ep.name, None)
                _switchable[ep.name] = version
            else:
                _refused[ep.name] = Refusal(ep.name, version, reason)
                log.warning("plugin %s %s refused: %s", ep.name, version, reason)
        _loaded = True
        _invalidate()


def _load(ep: importlib.metadata.EntryPoint) -> str | None:
    """Register one entry point's plugin; returns why it is refused, or None."""
    reason = incompatibility(support_of(ep.dist))
    if reason is not None:
        return reason
    try:
        plugin = ep.load()
    except Exception as exc:  # noqa: BLE001 - whatever a plugin's import raises, the others still load
        return f"its module {ep.value} does not import: {type(exc).__name__}: {exc}"
    try:
        pm.register(plugin, name=ep.name)
    except Exception as exc:  # noqa: BLE001 - pluggy's PluginValidationError, or a name clash
        return f"its hook implementations do not match the specs: {exc}"
    problem = unknown_hooks(ep.name) or _bad_declarations(ep.name) or _taken_keys(ep.name)
    if problem:
        pm.unregister(name=ep.name)
        return problem
    return None


def unknown_hooks(name: str) -> str | None:
    """Hook implementations of plugin ``name`` that no hookspec knows (a misspelt hook is never called)."""
    unknown = sorted(
        impl_name for impl_name, caller in vars(pm.hook).items()
        if isinstance(caller, pluggy.HookCaller) and not caller.has_spec()
        for impl in caller.get_hookimpls() if impl.plugin_name == name and not impl.optionalhook
    )
    if unknown:
        return f"it implements hooks that do not exist: {', '.join(unknown)} (see docs/plugin_hooks.md)"
    return None


_DECLARATION_HOOKS = {"register_service_programs": ServiceProgram, "register_score_item_types": ScoreItemType,
                      "register_routes": Page}


def _bad_declarations(name: str) -> str | None:
    for hook_name, kind in _DECLARATION_HOOKS.items():
        try:
            found = _declared(hook_name, name)
        except Exception as exc:  # noqa: BLE001
            return f"{hook_name}() raises {type(exc).__name__}: {exc}"
        wrong = [d for d in found if not isinstance(d, kind)]
        if wrong:
            return f"{hook_name}() must return {kind.__name__} objects, not {type(wrong[0]).__name__}"
    return None


def _keys_of(name: str) -> set[tuple[str, str]]:
    return ({("program", p.key) for p in _declared("register_service_programs", name)}
            | {("score item", i.key) for i in _declared("register_score_item_types", name)})


def _taken_keys(name: str) -> str | None:
    """A key another loaded plugin declares already: its settings, rounds and ledger rows are that plugin's."""
    mine = _keys_of(name)
    for other in sorted(_switchable):
        taken = sorted(mine & _keys_of(other))
        if taken:
            kind, key = taken[0]
            return f"it declares the {kind} {key!r}, which plugin {other!r} declares already"
    return None


def refused_plugins() -> dict[str, Refusal]:
    """Installed plugins the core refused to load, by name."""
    return dict(_refused)


def register_plugin(plugin, name: str, version: str = "test") -> None:
    """Install a plugin object by hand (tests, and applications embedding jifen)."""
    with _lock:
        pm.register(plugin, name=name)
        _switchable[name] = version
        _invalidate()


def unregister_plugin(name: str) -> None:
    with _lock:
        plugin = pm.get_plugin(name)
        if plugin is not None:
            pm.unregister(plugin, name=name)
        _switchable.pop(name, None)
        _invalidate()


def forget_plugin(name: str) -> None:
    """Unregister ``name`` and forget a refusal of it (a test that installed a package removes it)."""
    unregister_plugin(name)
    with _lock:
        _refused.pop(name, None)


def plugin_module(name: str):
    """The registered object of plugin ``name`` (for entry-point plugins, its module), or None."""
    return pm.get_plugin(name)


def installed_plugins() -> dict[str, str]:
    """Switchable plugins: name -> version."""
    return dict(_switchable)


def require_installed(name: str) -> None:
    if name not in _switchable:
        raise UnknownPlugin(name)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    programs: tuple[ServiceProgram, ...] = field(default=())
    score_items: tuple[ScoreItemType, ...] = field(default=())


def _declared(hook_name: str, plugin_name: str) -> tuple:
    hook = getattr(pm.hook, hook_name)
    found = []
    for impl in hook.get_hookimpls():
        if impl.plugin_name == plugin_name:
            found.extend(impl.function() or [])
    return tuple(found)


@lru_cache(maxsize=None)
def _catalog() -> dict[str, PluginInfo]:
    return {
        name: PluginInfo(
            name=name,
            version=version,
            programs=_declared("register_service_programs", name),
            score_items=_declared("register_score_item_types", name),
        )
        for name, version in sorted(_switchable.items())
    }


def message_channels_of(name: str) -> tuple[bool, tuple]:
    """Whether plugin ``name`` implements ``register_message_channels``, and the channels it declares now
    (a channel plugin declares its channel only once the platform has set it up)."""
    implements = any(i.plugin_name == name for i in pm.hook.register_message_channels.get_hookimpls())
    return implements, _declared("register_message_channels", name) if implements else ()


def catalog() -> dict[str, PluginInfo]:
    """Every installed plugin with what it declares (computed once; declarations are static data)."""
    return _catalog()


@dataclass(frozen=True)
class CountyHooks:
    """The hooks of one set of enabled plugins: ``hooks.register_service_programs()`` and so on."""

    enabled: frozenset[str]

    def __getattr__(self, hook_name: str):
        return _subset_caller(hook_name, frozenset(_switchable) - self.enabled)


@lru_cache(maxsize=4096)
def _subset_caller(hook_name: str, removed: frozenset[str]):
    plugins = [pm.get_plugin(n) for n in removed if pm.get_plugin(n) is not None]
    return pm.subset_hook_caller(hook_name, remove_plugins=plugins)


@lru_cache(maxsize=4096)
def _county_declarations(enabled: frozenset[str]) -> tuple[tuple[ServiceProgram, ...], tuple[ScoreItemType, ...]]:
    hooks = CountyHooks(enabled)
    programs = tuple(p for group in hooks.register_service_programs() for p in (group or []))
    items = tuple(i for group in hooks.register_score_item_types() for i in (group or []))
    return programs, items


def county_programs(enabled: frozenset[str]) -> tuple[ServiceProgram, ...]:
    return _county_declarations(frozenset(enabled))[0]


def county_score_items(enabled: frozenset[str]) -> tuple[ScoreItemType, ...]:
    return _county_declarations(frozenset(enabled))[1]


def plugin_of(key: str) -> str | None:
    """Which installed plugin declares the program or score item type ``key``."""
    for info in catalog().values():
        if any(p.key == key for p in info.programs) or any(i.key == key for i in info.score_items):
            return info.name
    return None


_generation = 0


def catalog_generation() -> int:
    """Changes whenever the registered plugins change (what a kept County context was made with)."""
    return _generation


def _invalidate() -> None:
    global _generation
    _generation += 1
    _catalog.cache_clear()
    _subset_caller.cache_clear()
    _county_declarations.cache_clear()
