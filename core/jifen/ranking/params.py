"""The parameters of a ranking run: everything besides the snapshot that decides its results."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from jifen.points.scoring import quantize


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
