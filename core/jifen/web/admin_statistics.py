"""County administrators' statistics: every program's rounds side by side, and one round per sub-quota
with its points distribution (docs/ranking.md, "Statistics"). The charts are SVG drawn by the templates
from the geometry made here; a table next to each holds the same figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timezone
from decimal import Decimal

from flask import Blueprint

from jifen import clock
from jifen.db.session import get_session
from jifen.http.security import roles_required
from jifen.http.theme import render
from jifen.models import ProgramRound
from jifen.programs import rounds as programs
from jifen.programs import statistics
from jifen.web.loading import get_or_404

bp = Blueprint("admin_statistics", __name__)
admins = roles_required("admin")

WIDTH = 480  # viewBox units: on a phone's 360 pixels a 13-unit label is still about 10 pixels high
FONT = 13


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``value`` points, with its label on row ``row`` above the plot."""

    x: float
    value: Decimal
    name: str | None  # a sub-quota's name; None for the round's cutoff
    row: int
    anchor: str  # "start" or "end", so the label stays inside the picture
    label_x: float
    label_y: float


def distribution_chart(found: statistics.RoundStatistics) -> dict | None:
    """The bars of the points distribution (ranked, and the allocated part of each) and the cutoff markers."""
    dist = found.distribution
    if not dist.bins:
        return None
    markers_wanted = [(None, found.cutoff)] if found.cutoff is not None else []
    markers_wanted += list(found.sub_quota_cutoffs)
    rows = min(len(markers_wanted), 4)
    left, right, top, bottom = 44, 20, 10 + (FONT + 5) * max(rows, 1), 36
    height = top + 180 + bottom
    plot_w, plot_h = WIDTH - left - right, 180
    slot = plot_w / len(dist.bins)
    most = max(dist.most, 1)
    low, high = dist.bins[0].lower, dist.bins[-1].upper
    bars = []
    for i, b in enumerate(dist.bins):
        x = left + i * slot + 1
        whole = b.count / most * plot_h
        given = b.allocated / most * plot_h
        bars.append({"bin": b, "rest": Rect(round(x, 1), round(top + plot_h - whole, 1), round(slot - 2, 1),
                                            round(whole - given, 1)),
                     "given": Rect(round(x, 1), round(top + plot_h - given, 1), round(slot - 2, 1), round(given, 1))})
    step = max(1, math.ceil(len(dist.bins) / 8))  # at most about eight labels under the axis
    ticks = [(round(left + i * slot, 1), b.lower) for i, b in enumerate(dist.bins) if i % step == 0]
    ticks.append((round(left + plot_w, 1), high))
    if len(ticks) > 2 and ticks[-1][0] - ticks[-2][0] < 28:
        ticks.pop(-2)
    markers = []
    for i, (name, value) in enumerate(markers_wanted):
        x = round(left + (float(value) - low) / (high - low) * plot_w, 1)
        row = i % 4
        anchor = "end" if x > WIDTH / 2 else "start"
        markers.append(Marker(x, value, name, row, anchor, x - 4 if anchor == "end" else x + 4,
                              10 + FONT + row * (FONT + 5)))
    return {"width": WIDTH, "height": height, "left": left, "top": top, "bottom": top + plot_h,
            "right": WIDTH - right, "bars": bars, "ticks": ticks, "most": dist.most, "markers": markers,
            "font": FONT, "bin_width": dist.width}


def rounds_chart(program: statistics.ProgramStatistics) -> dict | None:
    """Horizontal bars per round: its applicants and its allocated places, the round's name above them."""
    if not program.rounds:
        return None
    left, right, bar = 8, 56, 16
    row = FONT + 6 + 2 * bar + 4 + 14
    most = max(max(h.figures.applicants, h.figures.allocated) for h in program.rounds) or 1
    plot_w = WIDTH - left - right
    rows = []
    for i, headline in enumerate(program.rounds):
        y = 8 + i * row
        applicants_w = round(headline.figures.applicants / most * plot_w, 1)
        allocated_w = round(headline.figures.allocated / most * plot_w, 1)
        rows.append({"headline": headline, "label_y": y + FONT,
                     "applicants": Rect(left, y + FONT + 6, applicants_w, bar),
                     "allocated": Rect(left, y + FONT + 6 + bar + 2, allocated_w, bar)})
    return {"width": WIDTH, "height": 8 + len(rows) * row, "left": left, "rows": rows, "font": FONT, "bar": bar}


def _programs_in_order(session, found: list[statistics.ProgramStatistics]):
    """The county's programs in their order, then programs switched off that still have rounds; each with
    its declaration (for its names), or None when no installed plugin declares it any more."""
    enabled = programs.programs(session)
    by_key = {p.program_key: p for p in found}
    ordered = [(program, by_key.get(key, statistics.ProgramStatistics(key, ()))) for key, program in enabled.items()]
    ordered += [(programs.declared_program(key), stats) for key, stats in by_key.items() if key not in enabled]
    return ordered


@bp.get("/statistics")
@admins
def overview():
    session = get_session()
    rows = [(program, stats, rounds_chart(stats))
            for program, stats in _programs_in_order(session, statistics.program_statistics(session))]
    return render("admin/statistics.html", rows=rows)


@bp.get("/rounds/<int:round_id>/statistics")
@admins
def round_statistics(round_id: int):
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    stats = statistics.round_statistics(session, found)
    made_at = (stats.run.created_at.replace(tzinfo=timezone.utc).astimezone(clock.time_zone())
               if stats.run is not None else None)  # stored as naive UTC; shown in the county's time
    return render("admin/statistics_round.html", round=found, stats=stats, chart=distribution_chart(stats),
                  program=programs.declared_program(found.program_key), made_at=made_at)
