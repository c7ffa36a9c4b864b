"""The distribution: core/ and plugins/ are source roots holding the packages jifen and jifen_plugins,
found by path (decisions/0013-source-roots.md)."""

import sys
import tomllib
from pathlib import Path

import jifen
import jifen_plugins

ROOT = Path(__file__).parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_wheel_ships_both_source_roots():
    assert CONFIG["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["core/jifen", "plugins/jifen_plugins"]


def test_every_folder_of_code_is_a_package():
    """A folder of modules without __init__.py would be a namespace package that a type checker and the
    import-graph test treat differently: each must be a regular package."""
    missing = [str(folder.relative_to(ROOT))
               for root in (ROOT / "core" / "jifen", ROOT / "plugins" / "jifen_plugins")
               for folder in [root, *root.rglob("*")]
               if folder.is_dir() and any(folder.glob("*.py")) and not (folder / "__init__.py").is_file()]
    assert not missing


def test_imports_resolve_by_path_without_an_import_hook():
    """The editable install adds core/ and plugins/ to sys.path (a plain .pth line each), so the module
    of ``jifen.x.y`` is core/jifen/x/y.py for Python, a reader, an IDE and a type checker alike."""
    assert Path(jifen.__file__).resolve() == (ROOT / "core" / "jifen" / "__init__.py").resolve()
    assert Path(jifen_plugins.__file__).resolve() == (ROOT / "plugins" / "jifen_plugins" / "__init__.py").resolve()
    on_path = {Path(p).resolve() for p in sys.path if p}
    assert {(ROOT / "core").resolve(), (ROOT / "plugins").resolve()} <= on_path
    finders = [type(f).__module__ for f in sys.meta_path]
    assert not any(name.startswith("__editable___jifen_0") for name in finders)


def test_every_built_in_plugin_has_an_entry_point():
    entry_points = CONFIG["project"]["entry-points"]["jifen.plugins"]
    folders = {p.name for p in (ROOT / "plugins" / "jifen_plugins").iterdir() if (p / "__init__.py").is_file()}
    assert set(entry_points) == folders
    assert all(target == f"jifen_plugins.{name}" for name, target in entry_points.items())
