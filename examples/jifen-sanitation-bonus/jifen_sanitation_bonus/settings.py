"""What each county decides for sanitation_bonus: its settings schema, with the defaults a county
starts from (illustrative, after Zhongshan's rules).

A county writes the values in its tenant.toml (``[plugins.sanitation_bonus.settings]``) or on the
rules page; ``jifen plugin check`` loads the defaults and fails if they do not validate.
"""

from decimal import Decimal

import marshmallow as ma

from jifen.toolkit import ItemSettings


class Settings(ItemSettings):
    """``cap`` (from ItemSettings) limits the bonus; by default 20 points. The rules page draws each field
    with its label, its unit next to the input and its help below the label."""

    cap = ma.fields.Decimal(
        allow_none=True, load_default=Decimal("20"), as_string=True, validate=ma.validate.Range(min=0),
        metadata={"label": {"zh": "封顶分值", "en": "Cap"}, "unit": {"zh": "分", "en": "points"},
                  "help": {"zh": "本项最多加的分，不填则不封顶。", "en": "The most the bonus counts; leave it empty for no cap."}},
    )
    min_years = ma.fields.Integer(
        load_default=5, validate=ma.validate.Range(min=0, max=50),
        metadata={"label": {"zh": "起算年限", "en": "Years needed"}, "unit": {"zh": "年", "en": "years"},
                  "help": {"zh": "一线环卫工作满此年数才加分。", "en": "Fewer years of frontline work earn nothing."}},
    )
    points = ma.fields.Decimal(
        load_default=Decimal("10"), as_string=True, validate=ma.validate.Range(min=0, max=100),
        metadata={"label": {"zh": "达到年限加分", "en": "Points at the years needed"}, "unit": {"zh": "分", "en": "points"},
                  "help": {"zh": "工作年限刚满起算年限时加的分。", "en": "What a worker with exactly the years needed earns."}},
    )
    per_extra_year = ma.fields.Decimal(
        load_default=Decimal("2"), as_string=True, validate=ma.validate.Range(min=0, max=100),
        metadata={"label": {"zh": "此后每年加分", "en": "Points per further year"}, "unit": {"zh": "分", "en": "points"},
                  "help": {"zh": "超过起算年限后每多一年另加的分。", "en": "Added for each year beyond the years needed."}},
    )
