"""A program's own ranking score (``ServiceProgram.ranking_score``): the terms a run uses and the value
an application ranks by, in SQL and in Python (docs/ranking.md, "A program's own ranking score").

The value is the application's program score (an exam score) plus the points counted: the applicant's
points (never less than 0) times the factor, rounded half up to 0.01, at most the cap. Both are worked
in whole hundredths, so SQLite's floating point, PostgreSQL's numeric and Python's Decimal agree to the
cent. An application without a program score, or below the pass mark, does not compete.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping

from sqlalchemy import BigInteger, case, cast, func, literal, literal_column

from jifen.points.scoring import quantize

FACTOR_DECIMALS = 6  # the most decimals a points factor may have (0.000001 = 1 / 10**6)


@dataclass(frozen=True)
class ScoreTerms:
    """The points factor, cap (None: no cap) and pass mark (None: none) a run ranks with."""

    points_factor: Decimal
    points_cap: Decimal | None = None
    pass_mark: Decimal | None = None

    def __post_init__(self) -> None:
        factor = Decimal(self.points_factor)
        if factor < 0 or -factor.normalize().as_tuple().exponent > FACTOR_DECIMALS:
            raise ValueError(f"a points factor is at least 0 with at most {FACTOR_DECIMALS} decimals")
        if any(v is not None and Decimal(v) < 0 for v in (self.points_cap, self.pass_mark)):
            raise ValueError("a points cap or a pass mark cannot be negative")

    def to_json(self) -> dict:
        return {"points_factor": str(Decimal(self.points_factor).normalize()),
                "points_cap": None if self.points_cap is None else str(quantize(self.points_cap)),
                "pass_mark": None if self.pass_mark is None else str(quantize(self.pass_mark))}

    @classmethod
    def from_json(cls, data: Mapping) -> "ScoreTerms":
        def number(key):
            return None if data.get(key) is None else Decimal(str(data[key]))
        return cls(Decimal(str(data["points_factor"])), number("points_cap"), number("pass_mark"))

    # --- the factor as a fraction num / den with den a power of ten: integer arithmetic everywhere

    @property
    def _fraction(self) -> tuple[int, int]:
        factor = Decimal(self.points_factor).normalize()
        den = 10 ** max(0, -factor.as_tuple().exponent)
        return int(factor * den), den

    @property
    def _cap_cents(self) -> int | None:
        return None if self.points_cap is None else _cents(self.points_cap)

    # --- Python

    def counted(self, points) -> Decimal:
        """The points counted towards the ranking value."""
        return Decimal(self._counted_cents(_cents(points))) / 100

    def _counted_cents(self, points_cents: int) -> int:
        num, den = self._fraction
        counted = (max(points_cents, 0) * num * 2 + den) // (2 * den)  # half up
        cap = self._cap_cents
        return counted if cap is None else min(counted, cap)

    def value(self, points, score) -> Decimal:
        """The ranking value: ``score`` (None counts 0; such an application does not compete) plus the
        points counted, to 0.01."""
        total = (0 if score is None else _cents(score)) + self._counted_cents(_cents(points))
        return quantize(Decimal(total) / 100)

    def competes(self, score) -> bool:
        return score is not None and (self.pass_mark is None or quantize(score) >= quantize(self.pass_mark))

    # --- SQL (SQLite and PostgreSQL)

    def value_sql(self, points, score):
        """:meth:`value` as an SQL expression of the columns ``points`` and ``score``."""
        num, den = self._fraction
        points_cents = _cents_sql(points)
        positive = case((points_cents > 0, points_cents), else_=literal(0, BigInteger()))
        counted = (positive * literal(2 * num, BigInteger()) + literal(den, BigInteger())) \
            // literal(2 * den, BigInteger())
        cap = self._cap_cents
        if cap is not None:
            counted = case((counted > cap, literal(cap, BigInteger())), else_=counted)
        total = func.coalesce(_cents_sql(score), literal(0, BigInteger())) + counted
        return total / literal_column("100.0")


def _cents(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _cents_sql(expression):
    return cast(func.round(expression * 100), BigInteger())


def terms_from(ranking_score, settings: Mapping) -> ScoreTerms:
    """The terms of ``ranking_score`` (a :class:`jifen.plugin.kinds.RankingScore`) under the program's
    loaded ``settings``. KeyError: it names a setting the program lacks; ValueError: a number is wrong."""
    numbers = ranking_score.resolved(settings)
    if numbers["points_factor"] is None:
        raise ValueError("no points factor")
    return ScoreTerms(numbers["points_factor"], numbers["points_cap"], numbers["pass_mark"])
