"""The veto conditions every points scheme has; a county switches each off in ``[eligibility]``.

``min_work_years`` (default 1): years of continuous work in the county; ``residence_permit``,
``no_criminal_penalty``, ``children_without_record`` (default true); ``adult_age`` (default 18).
"""

from __future__ import annotations

from datetime import date

from jifen.text import lazy_gettext as _l

from jifen.points.eligibility import ApplicantFacts, Veto
from jifen.plugin.hookspecs import hookimpl


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


@hookimpl
def check_eligibility(applicant: ApplicantFacts, settings: dict):
    vetoes = []
    if settings.get("residence_permit", True) and not applicant.has_residence_permit:
        vetoes.append(Veto("residence_permit", _l("You need a valid residence permit of this province.")))
    years = int(settings.get("min_work_years", 1))
    since = applicant.works_in_county_since
    if years and (since is None or _years_between(since, applicant.as_of) < years):
        vetoes.append(Veto("work_years", _l(
            "You need at least %(n)d year(s) of continuous work in this county.", n=years)))
    if settings.get("no_criminal_penalty", True) and applicant.criminal_penalty:
        vetoes.append(Veto("criminal_penalty", _l("Applicants with a criminal penalty cannot apply.")))
    adult = int(settings.get("adult_age", 18))
    if settings.get("children_without_record", True) and any(
        c.criminal_record and _years_between(c.birth_date, applicant.as_of) < adult for c in applicant.children
    ):
        vetoes.append(Veto("children_record", _l("A minor child of yours has a criminal record in this county.")))
    return vetoes
