"""Points per level: the setting and scorer of score items whose input picks one level of a list
(education level, skill grade, patent kind, award level, certificate kind); the county sets the points."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Mapping, Sequence

import marshmallow as ma

MAX_POINTS = 500


POINTS_UNIT = {"zh": "分", "en": "points"}


def level_points(levels: Sequence[str], *, maximum: int = MAX_POINTS, label: dict | None = None,
                 help: dict | None = None, unit: dict | None = None, choices: Mapping[str, dict] | None = None,
                 **metadata) -> ma.fields.Dict:
    """A settings field: points per level (as strings of decimals); a level the county leaves out is worth 0.

    The rules page draws one input per level: ``label`` names the table, ``choices`` names each level
    (``{level: {"zh": ..., "en": ...}}``, e.g. the input field's own choices), ``help`` says in one
    sentence what the points are for, and ``unit`` is shown next to each input (default: 分 / points).
    ``jifen plugin check`` fails a plugin whose table or levels are not named in zh and en.
    """
    if choices is not None:
        unnamed = [level for level in levels if level not in choices]
        if unnamed:
            raise ValueError(f"level_points: choices names no level {', '.join(unnamed)}")
        metadata["choices"] = {level: choices[level] for level in levels}
    for key, value in (("label", label), ("help", help)):
        if value is not None:
            metadata[key] = value
    metadata["unit"] = POINTS_UNIT if unit is None else unit
    return ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(levels)),
        values=ma.fields.Decimal(validate=ma.validate.Range(min=0, max=maximum), as_string=True),
        load_default=dict,
        metadata=metadata,
    )


def points_for_level(settings: Mapping, level: str, setting: str = "points") -> Decimal:
    """The points the county's ``setting`` gives ``level`` (0 where it gives none)."""
    return Decimal(str((settings.get(setting) or {}).get(level, 0)))


def level_scorer(input_field: str, setting: str = "points") -> Callable[[dict, dict], Decimal]:
    """A ``score`` function: the points of the verified input's ``input_field`` level."""

    def score(verified: dict, settings: dict) -> Decimal:
        return points_for_level(settings, verified[input_field], setting)

    score.__doc__ = f"The county's {setting!r} for the verified {input_field!r}."
    return score
