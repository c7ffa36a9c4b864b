"""``jifen plugin new``: write a pip-installable plugin package that passes its own tests.

The files are ``string.Template`` texts under ``files/``: ``common/`` for every plugin, then
``program/`` or ``score_item/`` by kind, then ``tables/`` with ``with_tables``. In paths,
``__package__`` and ``__name__`` stand for the import package and the plugin name; ``.tmpl`` is
dropped.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from jifen import __version__
from jifen.plugin.kinds import CATEGORIES, KEY_PATTERN

FILES = Path(__file__).parent / "files"
KINDS = {"program": "program", "score-item": "score_item"}
# Departments a scaffolded score item may name, with the names its test counties give them.
DEPARTMENTS = {
    "education": ("教育局", "Education Bureau"),
    "human_resources": ("人力社保局", "Human Resources and Social Security Bureau"),
    "public_security": ("公安局", "Public Security Bureau"),
    "health": ("卫生健康局", "Health Bureau"),
    "science_technology": ("科学技术局", "Science and Technology Bureau"),
    "civil_affairs": ("民政局", "Civil Affairs Bureau"),
    "taxation": ("税务局", "Taxation Bureau"),
    "housing": ("住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
}


class ScaffoldError(ValueError):
    """The plugin cannot be written as asked; the message says what to change."""


@dataclass(frozen=True)
class Plan:
    name: str
    kind: str
    folder: Path
    with_tables: bool
    values: dict[str, str]


def supported_range(version: str = __version__) -> str:
    """The core versions a new plugin declares: this minor series before 1.0, this major one after."""
    v = Version(version)
    if v.major == 0:
        return f">={v.major}.{v.minor},<{v.major}.{v.minor + 1}"
    return f">={v.major}.{v.minor},<{v.major + 1}"


def plan(name: str, kind: str, directory: Path, *, with_tables: bool = False, name_zh: str | None = None,
         name_en: str | None = None, category: str = "social_service", department: str = "civil_affairs") -> Plan:
    if not KEY_PATTERN.fullmatch(name):  # fullmatch: "$" alone lets a trailing newline through
        raise ScaffoldError(f"plugin name {name!r} must be 2-60 lower-case letters, digits and underscores, "
                            "starting with a letter (it is the entry point, the key and the table prefix)")
    if kind not in KINDS:
        raise ScaffoldError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if category not in CATEGORIES:
        raise ScaffoldError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    if department not in DEPARTMENTS:
        raise ScaffoldError(f"department must be one of {', '.join(DEPARTMENTS)}, not {department!r} "
                            "(another one can be named in the code afterwards)")
    for text, option in ((name_zh, "--name-zh"), (name_en, "--name-en")):
        if text is not None and (not text.strip() or '"' in text or "\\" in text or not text.isprintable()):
            raise ScaffoldError(f"{option} must be a non-empty name on one line, without quotes or backslashes")
    dist = "jifen-" + name.replace("_", "-")
    folder = Path(directory) / dist
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScaffoldError(f"{folder} exists and is not empty: choose another --dir or remove it")
    title_en = (name_en or name.replace("_", " ").capitalize()).strip()
    title_zh = (name_zh or title_en).strip()
    department = "education" if kind == "program" else department
    values = {
        "name": name,
        "package": "jifen_" + name,
        "dist": dist,
        "kind_text": "a service program" if kind == "program" else "a score item",
        "template_text": "program.html, shown on the program's portal page" if kind == "program"
        else "item.html, shown on the applicant's page of the item",
        "tables_text": (f"- `jifen_{name}/models.py`, `jifen_{name}/migrations/`: its own table and its "
                        "Alembic version folder\n") if with_tables else "",
        "description": f"Jifen plugin: {title_en}",
        "title_en": title_en,
        "title_zh": title_zh,
        "jifen_range": supported_range(),
        "category": category,
        "department": department,
        "department_zh": DEPARTMENTS[department][0],
        "department_en": DEPARTMENTS[department][1],
        # The Alembic folder ships as a (namespace) package of its own: its revisions are modules.
        "extra_packages": f', "jifen_{name}.migrations"' if with_tables else "",
        # Imports of the optional table part, each in its place among the others.
        "path_import": ("from pathlib import Path\n" if kind == "score-item" else "\nfrom pathlib import Path\n")
        if with_tables else "",
        "models_import": f"from jifen_{name} import models  # noqa: F401  (registers the plugin's tables)\n"
        if with_tables else "",
        "tables_hook": ("\n\n@hookimpl\ndef register_migrations():\n"
                        '    """The Alembic version folder of this plugin\'s tables."""\n'
                        '    return Path(__file__).parent / "migrations"\n') if with_tables else "",
    }
    return Plan(name, KINDS[kind], folder, with_tables, values)


def _sources(p: Plan) -> list[tuple[Path, Path]]:
    """(template file, path relative to the new package folder) for every file to write."""
    layers = ["common", p.kind] + (["tables"] if p.with_tables else [])
    found: dict[Path, Path] = {}
    for layer in layers:
        root = FILES / layer
        for source in sorted(root.rglob("*.tmpl")):
            relative = source.relative_to(root).with_suffix("")
            parts = [part.replace("__package__", p.values["package"]).replace("__name__", p.name)
                     for part in relative.parts]
            found[Path(*parts)] = source
    return sorted(((source, target) for target, source in found.items()), key=lambda pair: str(pair[1]))


def generate(name: str, kind: str, directory: Path, **options) -> Path:
    """Write the package; returns its folder. Nothing is written when the request is refused."""
    p = plan(name, kind, directory, **options)
    rendered = []
    for source, target in _sources(p):
        text = string.Template(source.read_text(encoding="utf-8")).substitute(p.values)
        if target.suffix == ".py":
            text = _tidy_python(text)
        rendered.append((p.folder / target, text))
    for path, text in rendered:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return p.folder


def _tidy_python(text: str) -> str:
    """Optional parts leave blank lines behind: at most two in a row, one newline at the end."""
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text.rstrip("\n") + "\n"


def files_of(folder: Path) -> list[str]:
    """The files of a written package, as sorted relative paths (what the guide's tree shows)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
