"""What the public sees of a round besides the list: its stages, its figures, the points chart.

Zhejiang's residence regulation (2016, art. 27) requires the indicators and the services linked to
them to be published; the scheme publishes every stage so the public can supervise it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen.models import Application, ProgramApplication, ProgramRound, Publication, RankingResult, RankingRun
from jifen.models.application import CONFIRMED, RECHECK

BIN = 10  # points per bar of the chart


@dataclass(frozen=True)
class RoundFigures:
    applicants: int
    eligible: int  # with confirmed points, so they can be ranked
    ranked: int
    allocated: int
    cutoff: Decimal | None
    bins: list[tuple[int, int]]  # (lower bound of the bar, applications)


def figures(session: Session, found: ProgramRound, run: RankingRun | None) -> RoundFigures:
    applicants = session.scalar(select(func.count(ProgramApplication.id)).where(
        ProgramApplication.round_id == found.id, ProgramApplication.status == "applied")) or 0
    eligible = session.scalar(
        select(func.count(ProgramApplication.id))
        .join(Application, Application.user_id == ProgramApplication.user_id)
        .where(ProgramApplication.round_id == found.id, ProgramApplication.status == "applied",
               Application.status.in_([CONFIRMED, RECHECK]))) or 0
    bins: list[tuple[int, int]] = []
    if run is not None:
        bucket = func.floor(RankingResult.points / BIN)
        rows = session.execute(select(bucket, func.count(RankingResult.program_application_id))
                               .where(RankingResult.run_id == run.id).group_by(bucket).order_by(bucket)).all()
        bins = [(int(lower) * BIN, count) for lower, count in rows]
    return RoundFigures(applicants, eligible, run.input_count if run else 0, run.allocated_count if run else 0,
                        run.cutoff if run else None, bins)


def stages(session: Session, found: ProgramRound) -> list[Publication]:
    return list(session.scalars(select(Publication).where(Publication.round_id == found.id)
                                .order_by(Publication.published_at, Publication.id)))


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


def chart(fig: RoundFigures, width: int = 640, height: int = 240, margin: int = 30) -> dict:
    """Geometry of the points distribution as bars, and the cutoff line, for a server-drawn SVG."""
    if not fig.bins:
        return {"bars": [], "cutoff_x": None, "width": width, "height": height, "margin": margin}
    low = min(lower for lower, _ in fig.bins)
    high = max(lower for lower, _ in fig.bins) + BIN
    if fig.cutoff is not None:
        low, high = min(low, int(fig.cutoff) // BIN * BIN), max(high, int(fig.cutoff) // BIN * BIN + BIN)
    span = max(high - low, BIN)
    top = max(count for _, count in fig.bins)
    plot_w, plot_h = width - 2 * margin, height - 2 * margin
    bars = []
    for lower, count in fig.bins:
        x = margin + (lower - low) / span * plot_w
        h = count / top * plot_h
        bars.append(Bar(round(x, 1), round(margin + plot_h - h, 1), round(BIN / span * plot_w - 2, 1), round(h, 1),
                        f"{lower}–{lower + BIN}", count))
    cutoff_x = None
    if fig.cutoff is not None:
        cutoff_x = round(margin + (float(fig.cutoff) - low) / span * plot_w, 1)
    return {"bars": bars, "cutoff_x": cutoff_x, "width": width, "height": height, "margin": margin,
            "low": low, "high": high, "top": top}
