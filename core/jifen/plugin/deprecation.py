"""Names plugin authors imported before jifen.toolkit: they keep working for this minor series (0.1),
each warning once per place with its new home; they go in 0.2.

An old module keeps only a module ``__getattr__`` made by :func:`moved`, so its names are looked up
on use (no import of the new home when the old module loads) and every use says where to go.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Callable

REMOVED_IN = "0.2"


class JifenDeprecationWarning(DeprecationWarning):
    """A name of the core used from its old place (the core's own suite turns these into errors)."""


def moved(old_module: str, names: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``old_module``: ``names`` maps each old name to ``"module:attribute"``."""

    def __getattr__(name: str) -> object:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        hint = f"jifen.toolkit.{attribute}" if module == "jifen.toolkit" else f"{module}.{attribute}"
        warnings.warn(f"{old_module}.{name} has moved: use {hint} (the old name goes in jifen {REMOVED_IN})",
                      JifenDeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(module), attribute)

    return __getattr__
