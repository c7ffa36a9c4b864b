"""The distribution ships every package of core/ and plugins/ (their import names differ from the folders)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = set()
    for folder, name in (("core", "jifen"), ("plugins", "jifen_plugins")):
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *parts)))
    assert found == listed


def test_every_built_in_plugin_has_an_entry_point():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = config["project"]["entry-points"]["jifen.plugins"]
    folders = {p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()}
    assert set(entry_points) == folders
    assert all(target == f"jifen_plugins.{name}" for name, target in entry_points.items())
