"""The parameters of a ranking run: everything besides the snapshot that decides its results."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from jifen.points.scoring import quantize
from jifen.ranking.program_score import ScoreTerms, terms_from
from jifen.ranking.snapshot import RankingError
from jifen.text import lazy_gettext as _l


@dataclass(frozen=True)
class Params:
    """Everything besides the snapshot that decides a run's results; stored as ``RankingRun.params``."""

    program: str
    quota_mode: str
    quota: int | None
    sub_quotas: dict[str, int]
    tie_breaks: tuple[str, ...]
    cutoff_ties: str
    second_round: bool
    second_round_cap_percent: int
    threshold: Decimal | None
    family_rule: str | None
    points_source: str  # "round_rule_version", "applicant_rule_version" or "rescored" (simulations)
    applied_at_origin: str  # ISO date: application times are seconds before/after this day began
    # A program with its own ranking score: what it ranks by (jifen.ranking.program_score); None: points.
    score_terms: ScoreTerms | None = None
    # A budget round (quota_mode "budget": ``quota`` is its money, in yuan): "skip" or "stop"
    # (jifen.plugin.kinds.BUDGET_LEFTOVER); None for every other mode.
    budget_leftover: str | None = None

    def to_json(self) -> dict:
        data = {
            "program": self.program, "quota_mode": self.quota_mode, "quota": self.quota,
            "sub_quotas": dict(sorted(self.sub_quotas.items())), "tie_breaks": list(self.tie_breaks),
            "cutoff_ties": self.cutoff_ties, "second_round": self.second_round,
            "second_round_cap_percent": self.second_round_cap_percent,
            "threshold": None if self.threshold is None else str(quantize(self.threshold)),
            "family_rule": self.family_rule, "points_source": self.points_source,
            "applied_at_origin": self.applied_at_origin,
        }
        if self.score_terms is not None:  # absent otherwise: the parameters of other runs stay as they were
            data["program_score"] = self.score_terms.to_json()
        if self.budget_leftover is not None:  # likewise
            data["budget_leftover"] = self.budget_leftover
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> "Params":
        return cls(
            program=data["program"], quota_mode=data["quota_mode"], quota=data.get("quota"),
            sub_quotas={k: int(v) for k, v in (data.get("sub_quotas") or {}).items()},
            tie_breaks=tuple(data.get("tie_breaks") or ()), cutoff_ties=data.get("cutoff_ties", "strict"),
            second_round=bool(data.get("second_round")),
            second_round_cap_percent=int(data.get("second_round_cap_percent", 0)),
            threshold=None if data.get("threshold") is None else Decimal(str(data["threshold"])),
            family_rule=data.get("family_rule"), points_source=data.get("points_source", ""),
            applied_at_origin=data.get("applied_at_origin", ""),
            score_terms=ScoreTerms.from_json(data["program_score"]) if data.get("program_score") else None,
            budget_leftover=data.get("budget_leftover"),
        )

    @property
    def total_quota(self) -> int:
        if self.quota is not None:
            return self.quota
        return sum(self.sub_quotas.values())


def score_terms(ranking_score, settings: Mapping, frozen: Mapping | None = None) -> ScoreTerms:
    """The terms a run of a program with a ranking score uses: ``frozen`` with the round's rules
    (``ProgramRound.ranking_terms``), else those of the program's county ``settings`` now."""
    if frozen:
        return ScoreTerms.from_json(frozen)
    try:
        return terms_from(ranking_score, settings)
    except KeyError:
        raise RankingError(_l("The program's ranking score names a setting the program does not have. "
                              "Please report this fault to the platform's support.")) from None
    except (ValueError, ArithmeticError):
        raise RankingError(_l("The points factor, points cap or pass mark in this program's settings cannot be "
                              "used for ranking: correct them in the program's settings.")) from None


def checked_places(quota_mode: str, quota, sub_quotas: Mapping) -> tuple[int | None, dict[str, int]]:
    """``(quota, sub_quotas)`` as numbers, checked as a round's are (jifen.programs.rounds.RoundSchema).

    Each is a whole number (not a text, a fraction or a yes/no) and not negative; in headcount mode,
    where sub-quotas hand out the places, sub-quotas and a quota add up (without a quota the round has
    the sum of its sub-quotas). Otherwise a simulation that raises one town would hand out more places
    than the quota.
    """
    if quota is not None and not _whole(quota):
        raise RankingError(_l("The quota must be a whole number of places."))
    subs: dict[str, int] = {}
    for name, places in (sub_quotas or {}).items():
        if not _whole(places):
            raise RankingError(_l("The sub-quota of %(name)s must be a whole number of places.", name=name))
        subs[str(name)] = int(places)
    if (quota is not None and quota < 0) or any(places < 0 for places in subs.values()):
        raise RankingError(_l("A quota cannot be negative."))
    if quota_mode == "headcount" and subs and quota is not None and sum(subs.values()) != quota:
        raise RankingError(_l("The sub-quotas add up to %(total)s places, not to the quota of %(quota)s: "
                              "change the quota or a sub-quota so that they agree.",
                              total=sum(subs.values()), quota=quota))
    return (None if quota is None else int(quota)), subs


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
