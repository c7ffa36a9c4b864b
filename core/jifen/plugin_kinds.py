"""Deprecated: plugins import the declarative kinds from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "ScoreItemType": "jifen.toolkit:ScoreItemType",
    "ServiceProgram": "jifen.toolkit:ServiceProgram",
    "ItemSettings": "jifen.toolkit:ItemSettings",
    "ProgramSettings": "jifen.toolkit:ProgramSettings",
    "EmptySettings": "jifen.toolkit:EmptySettings",
    "CATEGORIES": "jifen.toolkit:CATEGORIES",
    "QUOTA_MODES": "jifen.toolkit:QUOTA_MODES",
    "FAMILY_RULES": "jifen.toolkit:FAMILY_RULES",
    "OFFER_RULES": "jifen.toolkit:OFFER_RULES",
    "AGGREGATES": "jifen.toolkit:AGGREGATES",
})
