"""What each county decides for sanitation_bonus: its settings schema, with the defaults a county
starts from (illustrative, after Zhongshan's rules).

A county writes the values in its tenant.toml (``[plugins.sanitation_bonus.settings]``) or on the
rules page; ``jifen plugin check`` loads the defaults and fails if they do not validate.
"""

from decimal import Decimal

import marshmallow as ma

from jifen.toolkit import ItemSettings


class Settings(ItemSettings):
    """``cap`` (from ItemSettings) limits the bonus; by default 20 points."""

    cap = ma.fields.Decimal(
        allow_none=True, load_default=Decimal("20"), as_string=True, validate=ma.validate.Range(min=0),
        metadata={"label": {"zh": "封顶分值", "en": "Cap"}},
    )
    min_years = ma.fields.Integer(
        load_default=5, validate=ma.validate.Range(min=0, max=50),
        metadata={"label": {"zh": "起算年限", "en": "Years needed"}},
    )
    points = ma.fields.Decimal(
        load_default=Decimal("10"), as_string=True, validate=ma.validate.Range(min=0, max=100),
        metadata={"label": {"zh": "达到年限加分", "en": "Points at the years needed"}},
    )
    per_extra_year = ma.fields.Decimal(
        load_default=Decimal("2"), as_string=True, validate=ma.validate.Range(min=0, max=100),
        metadata={"label": {"zh": "此后每年加分", "en": "Points per further year"}},
    )
