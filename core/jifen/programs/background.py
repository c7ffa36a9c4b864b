"""The programs' long work, run as jobs (jifen.jobs): a round's ranking run."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jifen.ranking import runs as ranking
from jifen.county.tenancy import require_tenant
from jifen.models import ProgramRound
from jifen.programs.rounds import freeze_rules
from jifen.text import lazy_gettext as _l


class RoundGone(Exception):
    def __init__(self) -> None:
        super().__init__("round not found")
        self.message = _l("The round no longer exists.")


def rank_round(session: Session, work) -> dict:
    """Freeze the round's rules and rank it once, in the job's one transaction (see ranking.run)."""
    found = session.get(ProgramRound, (require_tenant().id, int(work.params["round_id"])))
    if found is None:
        raise RoundGone()
    work.progress("rules")
    freeze_rules(session, found, actor=work.actor)
    outcome = ranking.run(session, found, actor=work.actor,
                          progress=lambda step, done, total: work.progress(step, done, total))
    return {"run_id": outcome.run_id, "inputs": outcome.input_count, "allocated": outcome.allocated_count,
            "cutoff": None if outcome.cutoff is None else str(outcome.cutoff), "digest": outcome.digest}


MOVERS_SHOWN = 200  # the job's result keeps the first movers; the counts are exact


def simulate_round(session: Session, work) -> dict:
    """What if the quota or a points value were different: ranked in a rolled-back savepoint, nothing kept."""
    found = session.get(ProgramRound, (require_tenant().id, int(work.params["round_id"])))
    if found is None:
        raise RoundGone()
    setting = work.params.get("setting") or ""
    outcome = ranking.simulate(session, found, quota=work.params.get("quota"),
                               points_table=ranking.parse_setting(setting) if setting else None,
                               progress=lambda step, done, total: work.progress(step, done, total))
    return {"quota": work.params.get("quota"), "setting": setting, "inputs": outcome.input_count,
            "allocated": outcome.allocated_count,
            "cutoff": None if outcome.cutoff is None else str(outcome.cutoff),
            "compared_with": outcome.compared_with,
            "moved_in": [str(n) for n in outcome.moved_in[:MOVERS_SHOWN]], "moved_in_count": len(outcome.moved_in),
            "moved_out": [str(n) for n in outcome.moved_out[:MOVERS_SHOWN]], "moved_out_count": len(outcome.moved_out)}
