"""The parameters of a ranking run: everything besides the snapshot that decides its results."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from jifen.points.scoring import quantize
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

    def to_json(self) -> dict:
        return {
            "program": self.program, "quota_mode": self.quota_mode, "quota": self.quota,
            "sub_quotas": dict(sorted(self.sub_quotas.items())), "tie_breaks": list(self.tie_breaks),
            "cutoff_ties": self.cutoff_ties, "second_round": self.second_round,
            "second_round_cap_percent": self.second_round_cap_percent,
            "threshold": None if self.threshold is None else str(quantize(self.threshold)),
            "family_rule": self.family_rule, "points_source": self.points_source,
            "applied_at_origin": self.applied_at_origin,
        }

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
        )

    @property
    def total_quota(self) -> int:
        if self.quota is not None:
            return self.quota
        return sum(self.sub_quotas.values())


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
