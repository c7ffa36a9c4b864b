"""Forms generated from a plugin's marshmallow schema: declared items, the calculator, points tables.

A plugin declares its fields once (with ``metadata={"label": ..., "help": ..., "unit": ..., "choices": ...}``,
each text ``{"zh": ..., "en": ...}``, choices one per value; ``"scored": False`` on an input field that the
item's score does not read, such as a certificate number, which the calculator then does not ask for);
the portal draws them (the unit next to the
input, the help as a hint that describes it), reads them back as strings, and marshmallow does the
checking. A text field may ask for a widget, ``"widget": "textarea"`` (a box of several lines); one with a
``validate.Length(max=...)`` gets that ``maxlength``, and a character counter with ``"counter": True`` (a
textarea with a maximum has one unless ``"counter": False``). A field without a label shows its name, and
``jifen plugin check`` fails its plugin. Only the field kinds below are drawn; a schema using another kind
fails loudly here rather than showing a broken form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field as dataclass_field, replace

import marshmallow as ma
from flask_babel import gettext
from jifen.text import lazy_gettext as _l

# Marshmallow's own messages, so they reach the catalogue and are shown translated (translate_errors).
# A message with {min}, {max}... reaches us formatted ("Must be greater than or equal to 1980."): it is
# matched against these templates, the template is translated, then formatted with the values it held.
_MARSHMALLOW_MESSAGES = (
    _l("Missing data for required field."), _l("Not a valid date."), _l("Not a valid integer."),
    _l("Not a valid number."), _l("Not a valid string."), _l("Not a valid boolean."), _l("Not a valid list."),
    _l("Must be one of: {choices}."), _l("Field may not be null."), _l("Unknown field."),
    _l("Must be greater than or equal to {min}."), _l("Must be less than or equal to {max}."),
    _l("Must be greater than or equal to {min} and less than or equal to {max}."),
    _l("Shorter than minimum length {min}."), _l("Longer than maximum length {max}."),
    _l("Length must be between {min} and {max}."),
    _l("Must be greater than {min}."), _l("Must be less than {max}."),
    _l("Must be greater than {min} and less than {max}."), _l("Length must be {equal}."),
    _l("Number too large."), _l("Not a valid mapping type."), _l("Invalid value."), _l("Invalid type."),
    _l("Invalid input."), _l("Not a valid utf-8 string."), _l("Not a valid email address."),
    _l("Special numeric values (nan or infinity) are not permitted."),
)
# Said instead of marshmallow's own: a list of internal values is no help to a person choosing from a list.
_INSTEAD = {"Must be one of: {choices}.": _l("Choose one of the options offered.")}


def _template_pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("".join((f"(?P<{p[1:-1]}>.+?)" if p == "{choices}" else f"(?P<{p[1:-1]}>[^ ]+?)")
                              if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts) + r"\Z", re.S)


_TEMPLATES = tuple(sorted(((text._args[0], _template_pattern(text._args[0])) for text in _MARSHMALLOW_MESSAGES),
                          key=lambda pair: -len(pair[0])))


def translate_message(text) -> str:
    """One message in the reader's language: a lazy text as it is; marshmallow's own, formatted or not, through
    the catalogue (the template translated, then formatted); any other text as it is."""
    if not isinstance(text, str):
        return str(text)
    for template, pattern in _TEMPLATES:
        found = pattern.match(text)
        if found is None:
            continue
        if template in _INSTEAD:
            return str(_INSTEAD[template])
        translated = gettext(template)
        try:
            return translated.format(**found.groupdict())
        except (KeyError, IndexError, ValueError):
            return translated
    return gettext(text)


MAX_ROWS = 20  # rows of a table setting (e.g. age bands) the editor reads


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, integer, decimal, date, boolean, choice, integer_list, decimal_map, nested
    label: dict
    required: bool
    choices: tuple[tuple[str, dict], ...] = ()
    children: tuple["FieldSpec", ...] = ()  # the fields of a nested schema, named "<name>.<child>"
    help: dict = dataclass_field(default_factory=dict)  # one sentence: what the value means
    unit: dict = dataclass_field(default_factory=dict)  # shown next to the input: 分, 年, 岁, %, 元
    scored: bool = True  # False: the item's score does not read it (a certificate number...): the calculator skips it
    widget: str = ""  # "" (the kind's own input) or one of WIDGETS
    max_length: int | None = None  # from validate.Length(max=...): the input's maxlength
    counter: bool = False  # show "n of max characters" (needs max_length)


WIDGETS = ("textarea",)  # what metadata "widget" may name; only for text fields


def _kind(field: ma.fields.Field) -> str:
    if isinstance(field, ma.fields.Nested) and not field.many:
        return "nested"
    if isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.Nested):
        return "rows"
    if isinstance(field, ma.fields.Date):
        return "date"
    if isinstance(field, ma.fields.Boolean):
        return "boolean"
    if isinstance(field, ma.fields.Integer):
        return "integer"
    if isinstance(field, (ma.fields.Decimal, ma.fields.Float)):
        return "decimal"
    if isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.Integer):
        return "integer_list"
    if isinstance(field, ma.fields.Dict):
        return "decimal_map"
    if isinstance(field, ma.fields.String):
        return "choice" if _one_of(field) else "text"
    raise TypeError(f"the portal cannot draw a {type(field).__name__} field")


def _validators(field: ma.fields.Field) -> list:
    return list(getattr(field, "validators", None) or ([field.validate] if field.validate else []))


def max_length(field: ma.fields.Field) -> int | None:
    """The most characters ``field`` takes: the smallest ``max`` (or ``equal``) of its ``Length`` validators."""
    found = [v.equal if v.equal is not None else v.max for v in _validators(field) if isinstance(v, ma.validate.Length)]
    found = [n for n in found if n is not None]
    return min(found) if found else None


def widget_problems(field: ma.fields.Field) -> list[str]:
    """Why the portal cannot draw ``field``'s ``widget`` and ``counter`` metadata as declared (for plugin check)."""
    widget, counter = field.metadata.get("widget"), field.metadata.get("counter")
    try:
        kind = _kind(field)
    except TypeError:
        kind = None
    problems = []
    if widget is not None and widget not in WIDGETS:
        problems.append(f"unknown widget {widget!r} (known: {', '.join(WIDGETS)})")
    elif widget is not None and kind != "text":
        problems.append(f"widget {widget!r} is for text (String) fields, not for {type(field).__name__}"
                        + (" with choices (OneOf)" if kind == "choice" else ""))
    if counter is not None and not isinstance(counter, bool):
        problems.append(f"counter must be True or False, not {counter!r}")
    elif counter and kind != "text":
        problems.append(f"a counter is for text (String) fields, not for {type(field).__name__}")
    elif counter and max_length(field) is None:
        problems.append("a counter needs a maximum: validate=ma.validate.Length(max=...)")
    return problems


def _widget(field: ma.fields.Field, kind: str) -> dict:
    if kind != "text":
        return {}
    widget = field.metadata.get("widget")
    widget = widget if widget in WIDGETS else ""
    most = max_length(field)
    counter = field.metadata.get("counter", widget == "textarea") is True and most is not None
    return {"widget": widget, "max_length": most, "counter": counter}


def _one_of(field: ma.fields.Field):
    return next((v for v in _validators(field) if isinstance(v, ma.validate.OneOf)), None)


def choice_values(field: ma.fields.Field) -> tuple:
    """The values a form offers for ``field``: a ``OneOf`` string field's, or a map's keys (points per level)."""
    if isinstance(field, ma.fields.Dict):
        field = field.key_field
    if field is None or isinstance(field, (ma.fields.Nested, ma.fields.List)):
        return ()
    one_of = _one_of(field)
    return tuple(one_of.choices) if one_of else ()


def _names(named: dict, values) -> tuple[tuple[str, dict], ...]:
    return tuple((value, named.get(value) or {"zh": value, "en": value}) for value in values)


def specs(schema: ma.Schema, offered: Mapping[str, tuple[tuple[str, dict], ...]] | None = None) -> list[FieldSpec]:
    """The form of ``schema``. ``offered`` gives the choices of fields the platform knows the answers to, by
    field name (a round's schools or towns; the applicant's registered children, for a field whose metadata
    says ``"choices_from": "children"``): such a field is drawn as a choice among them."""
    result = []
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        kind = _kind(field)
        if offered and name in offered and kind == "text":
            result.append(FieldSpec(name, "choice", field.metadata.get("label") or {"zh": name, "en": name},
                                    bool(field.required), tuple(offered[name]),
                                    help=field.metadata.get("help") or {}, unit=field.metadata.get("unit") or {}))
            continue
        label = field.metadata.get("label") or {"zh": name, "en": name.replace("_", " ")}
        texts = {"help": field.metadata.get("help") or {}, "unit": field.metadata.get("unit") or {},
                 "scored": field.metadata.get("scored", True) is not False}
        choices: tuple = ()
        if kind == "choice":
            choices = _names(field.metadata.get("choices") or {}, choice_values(field))
        elif kind in ("nested", "rows"):
            nested = field.schema if kind == "nested" else field.inner.schema
            prefix = f"{name}." if kind == "nested" else ""
            children = tuple(replace(c, name=f"{prefix}{c.name}", children=()) for c in specs(nested))
            result.append(FieldSpec(name, kind, label, bool(field.required), (), children, **texts))
            continue
        elif kind == "decimal_map":
            choices = _names(field.metadata.get("choices") or {}, choice_values(field))
        result.append(FieldSpec(name, kind, label, bool(field.required), choices, **texts, **_widget(field, kind)))
    return result


def read(form, prefix: str, fields: list[FieldSpec]) -> dict:
    """What was typed, as marshmallow expects it; empty optional fields are left out."""
    data: dict = {}
    for spec in fields:
        key = f"{prefix}{spec.name}"
        if spec.kind == "nested":
            inner = read(form, f"{key}.", [replace(c, name=c.name.split(".", 1)[1]) for c in spec.children])
            if inner:
                data[spec.name] = inner
        elif spec.kind == "rows":
            rows = []
            for index in range(MAX_ROWS):
                row = read(form, f"{key}.{index}.", list(spec.children))
                if any(v not in ("", None, False) for v in row.values()):
                    rows.append(row)
            data[spec.name] = rows
        elif spec.kind == "boolean":
            data[spec.name] = form.get(key) in ("on", "true", "1", "y")
        elif spec.kind == "integer_list":
            raw = (form.get(key) or "").replace("，", ",").strip()
            if raw:
                data[spec.name] = [part.strip() for part in raw.split(",") if part.strip()]
        elif spec.kind == "decimal_map":
            values = {value: (form.get(f"{key}.{value}") or "").strip() for value, _ in spec.choices}
            data[spec.name] = {k: v for k, v in values.items() if v != ""}
        else:
            # a browser sends a textarea's line breaks as CRLF but counts them as one character for maxlength
            raw = (form.get(key) or "").replace("\r\n", "\n").strip()
            if raw != "":
                data[spec.name] = raw
    return data


def shown(data: dict, fields: list[FieldSpec]) -> dict:
    """Stored values as the form shows them (lists joined, maps flattened)."""
    values = {}
    for spec in fields:
        value = data.get(spec.name)
        if value is None:
            continue
        if spec.kind == "nested":
            for child in spec.children:
                inner = value.get(child.name.split(".", 1)[1])
                if inner is not None:
                    values[child.name] = inner
        elif spec.kind == "rows":
            values[f"{spec.name}.__count__"] = len(value)
            for index, row in enumerate(value):
                for child_name, inner in shown(row, list(spec.children)).items():
                    values[f"{spec.name}.{index}.{child_name}"] = inner
        elif spec.kind == "integer_list":
            values[spec.name] = ", ".join(str(v) for v in value)
        elif spec.kind == "decimal_map":
            for key, amount in value.items():
                values[f"{spec.name}.{key}"] = amount
        else:
            values[spec.name] = value
    return values


def _texts(value) -> list:
    """Every message under ``value``: a list, or the dict of a list's entries or a nested schema's fields."""
    if isinstance(value, dict):
        return [t for inner in value.values() for t in _texts(inner)]
    if isinstance(value, (list, tuple)):
        return [t for inner in value for t in _texts(inner)]
    return [value]


def translate_errors(messages) -> dict[str, list[str]]:
    """Marshmallow's messages, flattened per field and translated, each once."""
    flat: dict[str, list[str]] = {}
    for field, value in (messages or {}).items():
        flat[str(field)] = list(dict.fromkeys(translate_message(text) for text in _texts(value)))
    return flat
