"""Deprecated: plugins import age_on and school_year_cutoff from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "age_on": "jifen.toolkit:age_on",
    "school_year_cutoff": "jifen.toolkit:school_year_cutoff",
})
