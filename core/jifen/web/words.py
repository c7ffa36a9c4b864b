"""Words for the platform's keys, in the reader's language.

Officials never read a key (``hukou_transfer``, ``verifications:read``, ``headcount``, ``junior_high``):
plugins are named by what they add, departments by the county folder's names, settings by the labels
of the plugin's settings schema. Pages and the audit trail take their words from here; the raw-key test
(tests/http/test_words_not_keys.py) reads every official page for keys that slipped through.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale

from jifen.plugin import fields as schema_fields
from jifen.plugin.manager import catalog, message_channels_of
from jifen.text import lazy_gettext as _l

ROLES = {"admin": _l("County administrator"), "reviewer": _l("Reviewer"), "applicant": _l("Applicant")}

SCOPES = {
    "lists:read": _l("Read published lists"),
    "verifications:read": _l("Read the verification queue"),
    "verifications:write": _l("Record verification results"),
}

QUOTA_MODES = {
    "headcount": _l("A fixed number of places, by rank"),
    "cutoff": _l("Everyone at or above a cut-off score"),
    "threshold": _l("Everyone who reaches the points threshold"),
    "budget": _l("Grants in rank order until the budget is spent"),
}

RELATIONS = {"child": _l("Child"), "spouse": _l("Spouse")}

RULE_NOTES = {
    "county folder loaded": _l("County settings loaded"),
    "rescore": _l("Rescore"),
    "first rules": _l("First points tables"),
}

ACTORS = {
    "anonymous": _l("A visitor (not logged in)"), "cli": _l("The command line"), "system": _l("The platform"),
    "notifications": _l("The platform"), "simulation": _l("A simulation"), "verify": _l("The platform"),
    "mobile": _l("A resident with a checked mobile number"),
}


def language() -> str:
    """``zh`` or ``en``: the reader's language, as declarations' name dicts are keyed."""
    return "zh" if str(get_locale() or "").startswith("zh") else "en"


def _listed(words: list[str]) -> str:
    return ("、" if language() == "zh" else ", ").join(words)


def plugin_adds(name: str) -> tuple[list[str], bool]:
    """What plugin ``name`` adds, in words (programs, score items, message channels), and whether it is
    a message channel plugin (one declares its channel only once the platform has set it up)."""
    info = catalog().get(name)
    if info is None:
        return [], False
    lang = language()
    words = [d.name(lang) for d in (*info.programs, *info.score_items)]
    channel_plugin, channels = message_channels_of(name)
    words += [str(channel.label) for channel in channels]
    return words, channel_plugin


def plugin_label(name: str) -> str:
    """A plugin in words: what it adds (its own name is a key, never shown)."""
    if name not in catalog():
        return str(_l("A plugin no longer installed"))
    words, channel = plugin_adds(name)
    if words:
        return _listed(words)
    return str(_l("A message channel not set up on this platform") if channel else
               _l("A plugin that adds nothing to name"))


def plugins_label(names) -> str:
    return _listed(sorted(plugin_label(n) for n in names)) if names else "—"


def declaration_label(key: str) -> str:
    """A service program or score item type by its key, as its name."""
    lang = language()
    for info in catalog().values():
        for declaration in (*info.programs, *info.score_items):
            if declaration.key == key:
                return declaration.name(lang)
    return str(_l("A program or score item no longer installed"))


def department_label(key: str | None, departments: dict | None = None) -> str:
    """A department by the county folder's name for it."""
    if not key:
        return "—"
    if departments is None:
        from jifen.identity.accounts import departments as county_departments

        departments = county_departments()
    names = departments.get(key)
    return (names or {}).get(language()) or str(_l("A department no longer in the county's list"))


def role_label(role: str) -> str:
    return str(ROLES.get(role, _l("Other role")))


def scope_label(scope: str) -> str:
    return str(SCOPES.get(scope, _l("Another permission")))


def scopes_label(scopes) -> str:
    return _listed([scope_label(s) for s in scopes or ()]) or "—"


def quota_mode_label(mode: str) -> str:
    return str(QUOTA_MODES.get(mode, _l("Another way of giving places")))


def sub_quota_unit_label(program) -> str:
    """What a program's quota is split by, as its application form labels that field (the plugin's words:
    志愿学校, Kindergarten...), never the field's key."""
    field = program.application_schema().fields.get(program.sub_quota_by or "")
    labels = (field.metadata.get("label") if field is not None else None) or {}
    return labels.get(language()) or labels.get("zh") or str(_l("another unit"))


def relation_label(relation: str) -> str:
    return str(RELATIONS.get(relation, _l("Family member")))


def actor_label(actor: str | None) -> str:
    """Who made a change, for actors that are not accounts (the audit page names accounts itself)."""
    kind, _, ident = (actor or "").partition(":")
    if kind == "platform" and ident:
        return str(_l("Platform administrator %(name)s", name=ident))
    if kind in ("user", "token"):
        return str(_l("A county official") if kind == "user" else _l("A department system (API token)"))
    return str(ACTORS.get(kind, _l("The platform")))


def rule_note(note: str | None) -> str:
    """The note of a rule version (``plugin education on``, ``rescore``) in words."""
    if not note:
        return ""
    words = note.split()
    if len(words) == 3 and words[0] == "plugin" and words[2] in ("on", "off"):
        what = plugin_label(words[1])
        return str(_l("Switched on: %(what)s", what=what) if words[2] == "on" else
                   _l("Switched off: %(what)s", what=what))
    return str(RULE_NOTES.get(note, _l("Another change")))


# --- a plugin's settings as labelled values ------------------------------------------------------------------


def _schemas_of(plugin: str) -> list:
    info = catalog().get(plugin)
    return [d.settings_schema() for d in (*info.programs, *info.score_items)] if info else []


def _number(value) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format(number.normalize(), "f") if number == number.to_integral() else format(number, "f")


def _value_text(spec: schema_fields.FieldSpec, value, lang: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if spec.kind == "boolean":
        return str(_l("yes") if value else _l("no"))
    if spec.kind == "choice":
        named = dict(spec.choices).get(value)
        return (named or {}).get(lang) or str(_l("another value"))
    if spec.kind == "integer_list":
        return ", ".join(_number(v) for v in value)
    if spec.kind in ("integer", "decimal"):
        unit = (getattr(spec, "unit", None) or {}).get(lang, "")
        return f"{_number(value)} {unit}".strip()
    return str(value)


def _label(spec: schema_fields.FieldSpec, lang: str) -> str:
    return spec.label.get(lang) or spec.label.get("zh") or str(_l("A setting"))


def _leaves(specs, values: dict, lang: str, prefix: str = "") -> list[tuple[str, str]]:
    """(label, value in words) for every setting, nested ones as "outer · inner"."""
    rows: list[tuple[str, str]] = []
    values = values or {}
    for spec in specs:
        short = spec.name.rsplit(".", 1)[-1]
        value = values.get(short)
        label = f"{prefix}{_label(spec, lang)}"
        if spec.kind == "nested":
            children = [schema_fields.FieldSpec(c.name.rsplit(".", 1)[-1], c.kind, c.label, c.required, c.choices,
                                                c.children) for c in spec.children]
            rows += _leaves(children, value or {}, lang, f"{label} · ")
        elif spec.kind == "rows":
            for index, row in enumerate(value or [], start=1):
                rows += _leaves(spec.children, row, lang, f"{label} {index} · ")
            if not value:
                rows.append((label, "—"))
        elif spec.kind == "decimal_map":
            for key, named in spec.choices:
                if key in (value or {}):
                    rows.append((f"{label} · {named.get(lang) or named.get('zh')}", _number(value[key])))
        else:
            rows.append((label, _value_text(spec, value, lang)))
    return rows


def settings_rows(plugin: str, values: dict | None) -> list[tuple[str, str]]:
    """A plugin's settings as (label, value) rows, labelled by its settings schema."""
    return schema_rows(_schemas_of(plugin), values)


def item_settings_rows(item_type, values: dict | None) -> list[tuple[str, str]]:
    """A score item's settings (as a rule version holds them) as (label, value) rows."""
    return schema_rows([item_type.settings_schema()], values)


def schema_rows(schemas, values: dict | None) -> list[tuple[str, str]]:
    lang = language()
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for schema in schemas:
        for label, text in _leaves(schema_fields.specs(schema), values or {}, lang):
            if label not in seen:
                seen.add(label)
                rows.append((label, text))
    return rows


def settings_changes(plugin: str, before: dict | None, after: dict | None) -> list[tuple[str, str]]:
    """What a settings change changed: (label, "before → after") for each setting that differs."""
    old = dict(settings_rows(plugin, before))
    return [(label, f"{old.get(label, '—')} → {text}") for label, text in settings_rows(plugin, after)
            if old.get(label, "—") != text]


def numeric_settings(item_type) -> list[tuple[str, str]]:
    """(path, label) of every single points value of a score item's settings (``education.points.college``,
    "学历 · 各学历积分 · 大专"), for forms that change one value (the simulation)."""
    lang = language()

    def walk(specs, path: str, label: str):
        for spec in specs:
            short = spec.name.rsplit(".", 1)[-1]
            here, named = f"{path}.{short}", f"{label} · {_label(spec, lang)}"
            if spec.kind in ("integer", "decimal"):
                yield here, named
            elif spec.kind == "decimal_map":
                for key, names in spec.choices:
                    yield f"{here}.{key}", f"{named} · {names.get(lang) or names.get('zh')}"
            elif spec.kind == "nested":
                yield from walk(spec.children, here, named)

    return list(walk(schema_fields.specs(item_type.settings_schema()), item_type.key, item_type.name(lang)))


def setting_words(text: str | None) -> str:
    """A simulation's changed points value (``education.points.college=70``) in words: "学历 · … · 大专: 70"."""
    path, _, value = (text or "").partition("=")
    item_key = path.split(".", 1)[0]
    for info in catalog().values():
        for item in info.score_items:
            if item.key == item_key:
                label = dict(numeric_settings(item)).get(path)
                if label:
                    return f"{label}: {value}"
    return str(_l("A points value no longer in the points tables: %(value)s", value=value))


def _score_item(key: str):
    for info in catalog().values():
        for item in info.score_items:
            if item.key == key:
                return item
    return None


@dataclass(frozen=True)
class ComparedItem:
    name: str
    rows: list[tuple[str, str, str, bool]]  # label, value in the first version, in the second, changed

    @property
    def changed(self) -> bool:
        return any(row[3] for row in self.rows)


def compare_rules(first: dict, second: dict) -> list[ComparedItem]:
    """Two rule versions' points tables side by side, item by item, setting by setting."""
    lang = language()
    items_a, items_b = first.get("items") or {}, second.get("items") or {}
    compared = []
    for key in sorted(set(items_a) | set(items_b)):
        item = _score_item(key)
        if item is None:
            continue
        left = dict(item_settings_rows(item, items_a[key])) if key in items_a else {}
        right = dict(item_settings_rows(item, items_b[key])) if key in items_b else {}
        labels = list(dict.fromkeys([*left, *right]))
        absent = str(_l("not offered"))
        rows = [(label, left.get(label, absent if key not in items_a else "—"),
                 right.get(label, absent if key not in items_b else "—"),
                 left.get(label) != right.get(label)) for label in labels]
        compared.append(ComparedItem(item.name(lang), rows))
    return compared


def item_changes(item_key: str, before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """What a score item's settings change changes: (label, value before, value after) where they differ."""
    item = _score_item(item_key)
    if item is None:
        return []
    old, new = dict(item_settings_rows(item, before)), item_settings_rows(item, after)
    return [(label, old.get(label, "—"), text) for label, text in new if old.get(label, "—") != text]
