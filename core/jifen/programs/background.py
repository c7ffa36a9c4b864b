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
