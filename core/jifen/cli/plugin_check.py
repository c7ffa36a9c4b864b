"""``jifen plugin check NAME``: does an installed plugin conform to the contract of this core?

One result per check, each passed or failed with its reason:

``installed``      an entry point NAME in the ``jifen.plugins`` group
``core version``   the distribution declares the Jifen versions it supports, and this one is among them
``import``         its module imports
``hooks``          every hook implementation matches a hookspec (known name, arguments the spec has)
``declarations``   the ``register_*`` hooks return the right kinds, with keys no other plugin uses
``settings``       the settings schemas derive from the core's bases, and their defaults validate; a score
                   item's ``score`` takes its sample input as the core passes it (loaded by the input
                   schema) and returns a Decimal or an int
``forms``          the portal can draw every field of its schemas, and their widgets fit them
``migrations``     its Alembic folder applies to an empty database and downgrades again, touching only
                   tables named after the plugin
``templates``      the blocks the core includes (``item.html``, ``program.html``) render strictly, in Chinese
                   and in English, with the context the portal passes: every name they use is defined; its
                   other templates (its pages', rendered with their views' context) compile
``messages``       its messages are in its Chinese and English catalogues; declarations, form labels and
                   the settings' labels, help, units and choices carry both languages

A check that cannot run because an earlier one failed says so and fails too.
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
import traceback
from dataclasses import dataclass
from decimal import Decimal
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import marshmallow as ma
import pluggy
from flask import Flask
from jinja2 import UndefinedError
from sqlalchemy import create_engine, inspect

from jifen import clock
from jifen import __version__

from jifen.plugin import hookspecs
from jifen.plugin.kinds import EmptySettings, ItemSettings, ProgramSettings, ScoreItemType, ServiceProgram
from jifen.plugin.manager import ENTRY_POINT_GROUP, catalog, plugin_module
from jifen.plugin.versions import incompatibility, support_of
from jifen.points.scoring import loaded_input

CORE_TRANSLATIONS = Path(__file__).parents[1] / "translations"
MESSAGE_KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
CATALOG_LOCALES = {"zh_Hans_CN": "Chinese", "en": "English"}
SAMPLES = 5  # sample inputs scored per score item (seeds 0..4)
BLOCKS = ("item.html", "program.html")  # what the core includes on its pages (jifen.web.plugin_templates)


@dataclass(frozen=True)
class Result:
    check: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL':<4}  {self.check:<12}  {self.detail}"


class _Failed(Exception):
    """A check failed; the message is its reason."""


@dataclass
class _Subject:
    name: str
    entry_point: EntryPoint
    built_in: bool = False
    module: object = None
    pm: pluggy.PluginManager | None = None
    declarations: tuple = ()


def check_plugin(app: Flask, name: str) -> list[Result]:
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        known = ", ".join(sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))) or "none"
        return [Result("installed", False, f"no entry point {name!r} in the {ENTRY_POINT_GROUP} group "
                                            f"(installed: {known}); pip install the plugin's package first")]
    ep = found[0]
    subject = _Subject(name, ep)
    version = ep.dist.version if ep.dist else "unknown"
    results = [Result("installed", True, f"{ep.value}, from {ep.dist.metadata['Name'] if ep.dist else '?'} {version}")]
    steps = (("core version", _core_version), ("import", _import), ("hooks", _hooks),
             ("declarations", _declarations), ("settings", _settings), ("forms", _forms), ("migrations", _migrations),
             ("templates", _templates), ("messages", _messages), ("stored", _stored))
    blocked = None
    for check, step in steps:
        if blocked and check != "core version":
            results.append(Result(check, False, f"not run: {blocked}"))
            continue
        try:
            results.append(Result(check, True, step(app, subject)))
        except _Failed as exc:
            results.append(Result(check, False, str(exc)))
            if check in ("import", "hooks", "declarations"):
                blocked = f"the {check} check failed"
    return results


# --------------------------------------------------------------------------- the checks


def _core_version(app: Flask, subject: _Subject) -> str:
    support = support_of(subject.entry_point.dist)
    subject.built_in = support.built_in
    if support.built_in:
        return f"built into jifen {__version__}"
    if not support.declared:
        raise _Failed(f"{support.distribution} declares no Jifen versions: add a range such as "
                      f"\"jifen>=0.1,<0.2\" to [project] dependencies in its pyproject.toml")
    reason = incompatibility(support)
    if reason:
        raise _Failed(f"{reason}; it is refused at start-up")
    return f"supports {support.describe()}, and this is jifen {__version__}"


def _import(app: Flask, subject: _Subject) -> str:
    try:
        subject.module = plugin_module(subject.name) or subject.entry_point.load()
    except Exception as exc:  # noqa: BLE001 - report whatever the plugin raises
        raise _Failed(f"{subject.entry_point.value} raises on import: {type(exc).__name__}: {exc}") from None
    return f"{subject.entry_point.value} imports"


def _hooks(app: Flask, subject: _Subject) -> str:
    pm = pluggy.PluginManager("jifen")
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(subject.module, name=subject.name)
    except pluggy.PluginValidationError as exc:
        raise _Failed(str(exc)) from None
    implemented, unknown = [], []
    for hook_name, caller in vars(pm.hook).items():
        if not isinstance(caller, pluggy.HookCaller):
            continue
        for impl in caller.get_hookimpls():
            if impl.plugin_name != subject.name:
                continue
            (implemented if caller.has_spec() or impl.optionalhook else unknown).append(hook_name)
    if unknown:
        raise _Failed(f"implements hooks that do not exist: {', '.join(sorted(unknown))} (see docs/plugin_hooks.md)")
    if not implemented:
        raise _Failed("implements no hook: mark its functions with jifen.plugin.hookspecs.hookimpl")
    subject.pm = pm
    return "implements " + ", ".join(sorted(implemented))


def _declarations(app: Flask, subject: _Subject) -> str:
    found = []
    hooks = (("register_service_programs", ServiceProgram), ("register_score_item_types", ScoreItemType))
    for hook_name, kind in hooks:
        try:
            returned = [r for r in getattr(subject.pm.hook, hook_name)() if r]
        except Exception as exc:  # noqa: BLE001
            raise _Failed(f"{hook_name}() raises {type(exc).__name__}: {exc}") from None
        for group in returned:
            if not isinstance(group, (list, tuple)):
                raise _Failed(f"{hook_name}() must return a list, not {type(group).__name__}")
            for declaration in group:
                if not isinstance(declaration, kind):
                    raise _Failed(f"{hook_name}() must return {kind.__name__} objects, "
                                  f"not {type(declaration).__name__}")
                found.append(declaration)
    keys = [d.key for d in found]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise _Failed(f"declares {', '.join(twice)} more than once")
    others = {d.key: info.name for info in catalog().values() if info.name != subject.name
              for d in (*info.programs, *info.score_items)}
    clashes = [f"{k} (also declared by {others[k]})" for k in keys if k in others]
    if clashes:
        raise _Failed("keys already taken: " + ", ".join(clashes))
    subject.declarations = tuple(found)
    if not found:
        return "declares no program or score item (hooks only)"
    return "declares " + ", ".join(f"{'program' if isinstance(d, ServiceProgram) else 'score item'} {d.key}"
                                   for d in found)


def _schema_class(value, what: str):
    if not (isinstance(value, type) and issubclass(value, ma.Schema)):
        raise _Failed(f"{what} must be a marshmallow Schema class, not {value!r}")
    return value


def _settings(app: Flask, subject: _Subject) -> str:
    cleaned: dict = {}
    for d in subject.declarations:
        schema_class = _schema_class(d.settings_schema, f"{d.key}: settings_schema")
        base = ProgramSettings if isinstance(d, ServiceProgram) else ItemSettings
        if not issubclass(schema_class, base) and schema_class is not EmptySettings:
            raise _Failed(f"{d.key}: settings_schema {schema_class.__name__} must derive from "
                          f"jifen.plugin.kinds.{base.__name__}")
        _schema_class(d.input_schema if isinstance(d, ScoreItemType) else d.application_schema,
                      f"{d.key}: {'input_schema' if isinstance(d, ScoreItemType) else 'application_schema'}")
        schema = schema_class()
        try:  # what a county that gives no settings gets, as jifen.county.enablement stores it
            cleaned = schema.dump(schema.load(cleaned))
            again = schema.dump(schema.load(cleaned))
        except ma.ValidationError as exc:
            raise _Failed(f"{d.key}: the defaults do not validate: {exc.messages}") from None
        except Exception as exc:  # noqa: BLE001 - a default that cannot even be dumped
            raise _Failed(f"{d.key}: the defaults cannot be stored: {type(exc).__name__}: {exc}") from None
        if again != cleaned:
            raise _Failed(f"{d.key}: the stored defaults do not load back to themselves: {cleaned} -> {again}")
    for d in subject.declarations:
        if isinstance(d, ScoreItemType) and d.sample is not None:
            _sample_scores(d, cleaned)
    if not subject.declarations:
        return "no settings"
    return "defaults validate: " + (", ".join(f"{k}={v}" for k, v in sorted(cleaned.items())) or "(none)")


def _sample_scores(item: ScoreItemType, stored: dict) -> None:
    """Score a few samples the way the core does: the input stored as JSON when declared, then loaded by
    ``input_schema`` (dates as dates), with the default settings loaded and ``as_of``."""
    schema = item.input_schema()
    settings = {**item.settings_schema().load(stored), "as_of": clock.today()}
    for seed in range(SAMPLES):
        try:
            declared = json.loads(json.dumps(schema.dump(schema.load(item.sample(random.Random(seed))))))
        except ma.ValidationError as exc:
            raise _Failed(f"{item.key}: sample() gives an input its input_schema refuses: {exc.messages}") from None
        except TypeError as exc:
            raise _Failed(f"{item.key}: input_schema dumps a value JSON cannot store ({exc}); "
                          f"declare decimals with as_string=True") from None
        data = loaded_input(item.input_schema(), declared)
        points = _call(item, "score", data, settings)
        if isinstance(points, bool) or not isinstance(points, (Decimal, int)):
            raise _Failed(f"{item.key}: score() must return a Decimal or an int, not {type(points).__name__} "
                          f"({points!r})")
        if item.cap_group is not None:
            _call(item, "cap_group", data, settings)


def _call(item: ScoreItemType, function: str, data: dict, settings: dict):
    try:
        return getattr(item, function)(data, settings)
    except Exception as exc:  # noqa: BLE001
        raise _Failed(f"{item.key}: {function}() raises on the sample input {_shown(data)} with the defaults: "
                      f"{type(exc).__name__}: {exc} (the input is loaded by input_schema: a Date field gives a "
                      f"datetime.date, a Decimal field a Decimal)") from None


def _shown(data: dict) -> str:
    return "{" + ", ".join(f"{k}: {v!r}" for k, v in data.items()) + "}"


def _forms(app: Flask, subject: _Subject) -> str:
    from jifen.plugin.fields import specs, widget_problems

    problems, drawn, widgets = [], 0, []
    for d in subject.declarations:
        own = "input_schema" if isinstance(d, ScoreItemType) else "application_schema"
        for what, schema_class in ((own, getattr(d, own)), ("settings_schema", d.settings_schema)):
            if not (isinstance(schema_class, type) and issubclass(schema_class, ma.Schema)):
                continue  # the settings check names it
            schema = schema_class()
            try:
                drawn += sum(len(spec.children) or 1 for spec in specs(schema))
            except TypeError as exc:
                problems.append(f"{d.key}: {what}: {exc}")
                continue
            for name, field in _fields(schema):
                problems.extend(f"{d.key}: {what} field {name}: {problem}" for problem in widget_problems(field))
                if field.metadata.get("widget") or field.metadata.get("counter"):
                    widgets.append(f"{d.key}.{name}")
    if problems:
        raise _Failed(" | ".join(dict.fromkeys(problems)))
    if not drawn:
        return "no forms"
    return f"{drawn} fields drawn" + (f"; widgets on {', '.join(widgets)}" if widgets else "")


def _fields(schema: ma.Schema, prefix: str = ""):
    """Every field of ``schema`` a form draws, by its dotted name (the rows of a table as ``name[].child``)."""
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        yield f"{prefix}{name}", field
        if isinstance(field, ma.fields.Nested) and isinstance(field.schema, ma.Schema):
            yield from _fields(field.schema, f"{prefix}{name}.")
        elif isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.Nested):
            yield from _fields(field.inner.schema, f"{prefix}{name}[].")


def _migrations(app: Flask, subject: _Subject) -> str:
    from jifen.db import migrations as migrations_runner

    try:
        folders = [f for f in subject.pm.hook.register_migrations() if f]
    except Exception as exc:  # noqa: BLE001
        raise _Failed(f"register_migrations() raises {type(exc).__name__}: {exc}") from None
    if not folders:
        return "no tables of its own"
    folder = Path(folders[0])
    if not folder.is_dir():
        raise _Failed(f"register_migrations() names {folder}, which is not a folder")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'check.db'}"
        core_only = migrations_runner.alembic_config(app, url)
        core_only.set_main_option("version_locations", str(Path(app.config["JIFEN_MIGRATIONS_DIR"]) / "versions"))
        config = migrations_runner.alembic_config(app, url)
        config.set_main_option("version_locations", os.pathsep.join(
            [core_only.get_main_option("version_locations"), str(folder)]))
        from alembic import command

        try:
            command.upgrade(core_only, "heads")
            core_tables = _tables(url)
            command.upgrade(config, "heads")
            added = _tables(url) - core_tables
            command.downgrade(config, f"{subject.name}@base")
            left = _tables(url)
        except Exception as exc:  # noqa: BLE001 - alembic and the migration's own errors
            raise _Failed(f"{folder.name}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                          f" (the first revision needs branch_labels = ({subject.name!r},) and "
                          f"depends_on = \"core_0001\")") from None
    foreign = sorted(t for t in added if not t.startswith(f"{subject.name}_"))
    if foreign:
        raise _Failed(f"creates tables not named after the plugin: {', '.join(foreign)} (prefix them with "
                      f"{subject.name}_)")
    if not added:
        raise _Failed(f"{folder.name}: upgrading created no table")
    if left != core_tables:
        raise _Failed(f"downgrading {subject.name}@base leaves {sorted(left - core_tables)} and removes "
                      f"{sorted(core_tables - left)}")
    return f"{', '.join(sorted(added))} created on an empty SQLite database and removed by {subject.name}@base"


def _stored(app: Flask, subject: _Subject) -> str:
    """Every county's stored settings of the plugin, rule versions included, load under this version
    (what `jifen plugins upgrade-check NAME` prints)."""
    from sqlalchemy.exc import SQLAlchemyError

    from jifen.cli.upgrade_check import upgrade_check
    from jifen.db.session import get_session

    session = get_session()
    try:
        checked = upgrade_check(session, subject.name)
    except SQLAlchemyError:
        session.rollback()
        return "no platform database to read counties' settings from"
    if checked.findings:
        raise _Failed("; ".join(f.line().removeprefix("FAIL ") for f in checked.findings)
                      + " (give the settings schema a settings migration)")
    if not checked.read:
        return "no county has stored settings of it yet"
    return f"{checked.read} stored settings of the counties and their rule versions load under this version"


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _folder(subject: _Subject) -> Path | None:
    file = getattr(subject.module, "__file__", None)
    return Path(file).parent if file else None


def _templates(app: Flask, subject: _Subject) -> str:
    import flask
    from flask_babel import refresh

    from jifen.web.plugin_templates import render_strictly, strict_environment, template_context

    folder = _folder(subject)
    root = folder / "templates" if folder else None
    files = sorted(p for p in root.rglob("*.html")) if root and root.is_dir() else []
    if not files:
        return "no templates"
    defaults = {}
    for d in subject.declarations:
        defaults[d.key] = d.settings_schema().load({})
    environment = strict_environment(app)
    blocks, others = [], []
    for path in files:
        relative = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        if relative not in BLOCKS:  # a page's template: its context is what the plugin's view gives it
            try:
                environment.from_string(source)
            except Exception as exc:  # noqa: BLE001 - Jinja's syntax errors
                line = getattr(exc, "lineno", None)
                raise _Failed(f"{relative}" + (f", line {line}" if line else "") +
                              f" does not compile: {type(exc).__name__}: {exc}") from None
            others.append(relative)
            continue
        blocks.append(relative)
        declaration = _declaration_for(relative, subject.declarations)
        for locale in CATALOG_LOCALES:
            with app.test_request_context("/"):
                flask.session["lang"] = locale
                refresh()
                context = template_context(folder, subject.name, declaration,
                                           defaults.get(getattr(declaration, "key", None), {}))
                try:  # strictly, with what the portal passes
                    render_strictly(environment.from_string(source), context)
                except UndefinedError as exc:
                    line = _template_line(exc)
                    where = f"{relative}" + (f", line {line}" if line else "")
                    used = _undefined_name(exc, source, line)
                    raise _Failed(f"{where} uses {used}, which is undefined ({locale}): {exc}"
                                  f"{_settings_hint(used, context)}") from None
                except Exception as exc:  # noqa: BLE001 - Jinja's syntax and runtime errors
                    line = getattr(exc, "lineno", None) or _template_line(exc)
                    where = f"{relative}" + (f", line {line}" if line else "")
                    raise _Failed(f"{where} does not render ({locale}): {type(exc).__name__}: {exc}") from None
    said = []
    if blocks:
        said.append(f"{', '.join(blocks)} {'renders' if len(blocks) == 1 else 'render'} in Chinese and English")
    if others:
        said.append(f"page {'template' if len(others) == 1 else 'templates'} {', '.join(others)} "
                    f"{'compiles' if len(others) == 1 else 'compile'}")
    return "; ".join(said)


def _undefined_name(exc: UndefinedError, source: str, line: int | None) -> str:
    """The expression a template used that is undefined, as written (``settings.unit_ml``), when it can be
    found on the line; else the name Jinja reports."""
    found = re.search(r"attribute '(\w+)'|element '(\w+)'|'(\w+)' is undefined", str(exc))
    if not found:
        return "a name"
    name = next(g for g in found.groups() if g)
    lines = source.splitlines()
    text = lines[line - 1] if line and line <= len(lines) else source
    written = re.search(rf"([A-Za-z_][\w.]*)\.{name}\b|([A-Za-z_][\w.]*)\[['\"]{name}['\"]\]", text)
    if written and found.group(3) is None:
        return f"{written.group(1) or written.group(2)}.{name}"
    return name


def _settings_hint(used: str, context: dict) -> str:
    settings = context.get("settings")
    if used.startswith("settings.") and isinstance(settings, dict):
        return f"; the settings schema has {', '.join(sorted(settings)) or 'no fields'}"
    return ""


def _template_line(exc: Exception) -> int | None:
    """The template line a runtime error was raised on (Jinja puts the template in the traceback)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"]
    return frames[-1].lineno if frames else None


def _declaration_for(relative: str, declarations: tuple):
    """``program.html`` is rendered with the plugin's program, ``item.html`` with its score item."""
    wanted = ScoreItemType if relative == "item.html" else ServiceProgram if relative == "program.html" else None
    matching = [d for d in declarations if wanted is None or isinstance(d, wanted)]
    return (matching or list(declarations) or [None])[0]


def _messages(app: Flask, subject: _Subject) -> str:
    problems = _bilingual_declarations(subject.declarations)
    folder = _folder(subject)
    used = _extract(folder) if folder else {}
    catalogs_at = CORE_TRANSLATIONS if subject.built_in else (folder / "translations" if folder else None)
    if used:
        from jifen.plugin.translations import catalog_path, read_catalog

        for locale, language in CATALOG_LOCALES.items():
            path = catalog_path(catalogs_at, locale)
            if not path.is_file():
                shown = path.relative_to(folder) if folder in path.parents else path
                problems.append(f"no {language} catalogue {shown}")
                continue
            catalog = read_catalog(path)
            missing = sorted(m for m in used if catalog.get(m) is None)
            untranslated = sorted(m for m in used if catalog.get(m) is not None and locale != "en" and
                                  (not catalog.get(m).string or catalog.get(m).fuzzy))
            if missing:
                problems.append(f"not in the {language} catalogue: " + "; ".join(
                    f"{m!r} ({used[m]})" for m in missing))
            if untranslated:
                problems.append(f"not translated into {language}: " + "; ".join(repr(m) for m in untranslated))
    if problems:
        raise _Failed(" | ".join(problems))
    where = "jifen's catalogue" if subject.built_in else "its zh_Hans_CN and en catalogues"
    return (f"{len(used)} messages, all in {where}; " if used else "no messages of its own; ") + \
        "names and labels in zh and en"


def _extract(folder: Path) -> dict[str, str]:
    """msgid -> where it is first used, from the package's Python files and templates."""
    from babel.messages.extract import extract_from_dir

    method_map = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(folder), method_map=method_map, keywords=MESSAGE_KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _bilingual_declarations(declarations: tuple) -> list[str]:
    problems = []
    for d in declarations:
        texts = {"names": d.names}
        if isinstance(d, ServiceProgram) and d.summaries:
            texts["summaries"] = d.summaries
        for what, value in texts.items():
            empty = [lang for lang in ("zh", "en") if not str(value.get(lang, "")).strip()]
            if empty:
                problems.append(f"{d.key}: {what} without {' and '.join(empty)}")
        schema_class = d.input_schema if isinstance(d, ScoreItemType) else d.application_schema
        problems.extend(_field_labels(d.key, schema_class()))
        for kind in (d.evidence if isinstance(d, ScoreItemType) else ()):
            named = d.evidence_names.get(kind) or {}
            if not all(str(named.get(lang, "")).strip() for lang in ("zh", "en")):
                problems.append(f"{d.key}: evidence {kind} needs a name in zh and en: "
                                f'evidence_names={{"{kind}": {{"zh": ..., "en": ...}}}}')
        settings_class = d.settings_schema
        if isinstance(settings_class, type) and issubclass(settings_class, ma.Schema):
            problems.extend(_field_labels(d.key, settings_class(), what="settings field"))
    return list(dict.fromkeys(problems))  # a plugin's declarations may share one settings schema


def _bilingual(value) -> bool:
    return isinstance(value, dict) and all(str(value.get(lang, "")).strip() for lang in ("zh", "en"))


def _field_labels(key: str, schema: ma.Schema, prefix: str = "", what: str = "field") -> list[str]:
    """What a form drawn from ``schema`` would show as a raw name: fields (nested ones and the rows of a
    list of nested schemas too) without a label, choices without names, help or unit in one language only."""
    from jifen.plugin.fields import choice_values  # the choices the form draws

    problems = []
    for field_name, field in schema.fields.items():
        if field.dump_only:
            continue
        where = f"{key}: {what} {prefix}{field_name}"
        if not _bilingual(field.metadata.get("label")):
            problems.append(f"{where} needs metadata label with zh and en" if what == "field" else
                            f'{where} needs a label in zh and en: metadata={{"label": {{"zh": ..., "en": ...}}}}')
        for text in ("help", "unit"):
            if field.metadata.get(text) is not None and not _bilingual(field.metadata[text]):
                problems.append(f"{where}: its {text} needs zh and en")
        named = field.metadata.get("choices") or {}
        for value, names in named.items():
            if not _bilingual(names):
                problems.append(f"{where}: choice {value!r} needs zh and en names")
        unnamed = [v for v in choice_values(field) if v not in named]
        if unnamed:
            problems.append(f"{where}: choices {', '.join(map(repr, unnamed))} need names in zh and en: "
                            f'metadata={{"choices": {{value: {{"zh": ..., "en": ...}}}}}}')
        if isinstance(field, ma.fields.Nested) and isinstance(field.schema, ma.Schema):
            problems.extend(_field_labels(key, field.schema, f"{prefix}{field_name}.", what))
        elif isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.Nested):
            problems.extend(_field_labels(key, field.inner.schema, f"{prefix}{field_name}[].", what))
    return problems
