"""What each county decides for sanitation_bonus: its settings schema, with the defaults a county starts from.

A county writes the values in its tenant.toml (``[plugins.sanitation_bonus.settings]``) or on the rules page;
``jifen plugin check`` loads the defaults and fails if they do not validate.
"""

from decimal import Decimal

import marshmallow as ma

from jifen.plugin_kinds import ItemSettings


class Settings(ItemSettings):
    """``cap`` (from ItemSettings) limits what the item counts in total."""

    points_per_year = ma.fields.Decimal(
        load_default=Decimal("1"), as_string=True, validate=ma.validate.Range(min=0, max=100),
        metadata={"label": {"zh": "每年分值", "en": "Points per year"}},
    )
