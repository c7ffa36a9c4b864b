"""Deprecated: plugins import ApplicantFacts and Veto from jifen.toolkit."""

from jifen.plugin.deprecation import moved

__getattr__ = moved(__name__, {
    "ApplicantFacts": "jifen.toolkit:ApplicantFacts",
    "Veto": "jifen.toolkit:Veto",
})
