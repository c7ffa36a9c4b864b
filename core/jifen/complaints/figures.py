"""The quarter's figures a county publishes: how many cases came, by topic, and how many were answered
in time (the first answer on or before the due date). A case counts in the quarter of the day it was
filed, on the county's clock; the current quarter's figures are "so far"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.models import Complaint
from jifen.models.complaint import COMPLAINT, QUESTION, TOPICS


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        following = self.next()
        return date.fromordinal(following.first_day.toordinal() - 1)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.number}"


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def current_quarter() -> Quarter:
    return quarter_of(clock.today())


def parse_quarter(text: str | None) -> Quarter | None:
    """``2026-4`` as a quarter no later than the current one; None for anything else."""
    parts = (text or "").split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, number = int(parts[0]), int(parts[1])
    if not 1 <= number <= 4 or year < 2000:
        return None
    found = Quarter(year, number)
    return found if found.first_day <= current_quarter().first_day else None


@dataclass(frozen=True)
class Line:
    topic: str | None  # None: every topic
    came: int
    questions: int
    complaints: int
    answered: int
    in_time: int
    waiting: int

    @property
    def in_time_percent(self) -> int | None:
        return round(100 * self.in_time / self.answered) if self.answered else None


def _line(topic: str | None, cases: list[Complaint]) -> Line:
    answered = [c for c in cases if c.first_answered_on is not None]
    return Line(topic, len(cases), sum(c.kind == QUESTION for c in cases), sum(c.kind == COMPLAINT for c in cases),
                len(answered), sum(bool(c.answered_in_time) for c in answered), len(cases) - len(answered))


def figures(session: Session, quarter: Quarter) -> list[Line]:
    """One line per topic, then the total."""
    cases = list(session.scalars(select(Complaint).where(Complaint.filed_on >= quarter.first_day,
                                                         Complaint.filed_on <= quarter.last_day)))
    return [_line(topic, [c for c in cases if c.topic == topic]) for topic in TOPICS] + [_line(None, cases)]
