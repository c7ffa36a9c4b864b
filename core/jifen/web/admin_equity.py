"""The equity report of a round for county administrators: applicants and places allocated by town, age,
gender and years of residence, aggregates only, with small cells suppressed (jifen.programs.equity;
docs/ranking.md, "Equity report"). Each dimension has a table and an SVG chart of its allocation rates."""

from __future__ import annotations

from flask import Blueprint

from jifen.db.session import get_session
from jifen.http.security import roles_required
from jifen.http.theme import render
from jifen.models import ProgramRound
from jifen.programs import equity
from jifen.programs import rounds as programs
from jifen.web.admin_statistics import FONT, WIDTH, Rect
from jifen.web.loading import get_or_404

bp = Blueprint("admin_equity", __name__)


def rate_chart(dimension: equity.Dimension) -> dict | None:
    """Horizontal bars of the allocation rate (0 to 100 per cent) of each group whose rate is shown; the
    group's words above its bar. None when no group has a rate to draw."""
    drawn = [g for g in dimension.groups if g.rate is not None]
    if not drawn:
        return None
    left, right, bar = 8, 64, 16
    row = FONT + 4 + bar + 10
    plot_w = WIDTH - left - right
    rows = []
    for i, group in enumerate(drawn):
        y = 8 + i * row
        width = round(float(group.rate) / 100 * plot_w, 1)
        rows.append({"group": group, "label_y": y + FONT, "bar": Rect(left, y + FONT + 4, width, bar),
                     "value_x": round(left + width + 4, 1), "value_y": y + FONT + 4 + bar - 3})
    return {"width": WIDTH, "height": 8 + len(rows) * row, "left": left, "right": left + plot_w, "rows": rows,
            "font": FONT, "skipped": len(dimension.groups) - len(drawn)}


@bp.get("/statistics/rounds/<int:round_id>/equity")
@roles_required("admin")
def round_equity(round_id: int):
    found = get_or_404(ProgramRound, round_id)
    report = equity.equity_report(get_session(), found)
    return render("admin/statistics_equity.html", round=found, report=report,
                  charts={d.key: rate_chart(d) for d in report.dimensions},
                  program=programs.declared_program(found.program_key), smallest=equity.SMALLEST_SHOWN)
