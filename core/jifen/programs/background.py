"""The programs' long work, run as jobs (jifen.jobs): a round's ranking run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.ranking import runs as ranking
from jifen.county.tenancy import require_tenant
from jifen.identity.masking import mask_name
from jifen.models import ProgramApplication, ProgramRound, User
from jifen.errors import ApplicationError
from jifen.programs import states
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
    state = states.state_of(session, found)
    if state.name in states.AFTER_FINAL:  # asked for before the final list, run after it
        raise ApplicationError(states.refusal(state, states.RANK))
    work.progress("rules")
    freeze_rules(session, found, actor=work.actor)
    outcome = ranking.run(session, found, actor=work.actor,
                          progress=lambda step, done, total: work.progress(step, done, total))
    return {"run_id": outcome.run_id, "inputs": outcome.input_count, "allocated": outcome.allocated_count,
            "cutoff": _points(outcome.cutoff), "digest": outcome.digest,
            "sub_quotas": [sub.to_json() for sub in outcome.sub_quotas]}


MOVERS_SHOWN = 200  # the job's result keeps the first movers; the counts are exact


def simulate_round(session: Session, work) -> dict:
    """What if the quota, a sub-quota or a points value were different: ranked in a rolled-back
    savepoint, nothing kept. The result names the movers by application number and masked name and
    gives each sub-quota's cutoff next to the current run's."""
    found = session.get(ProgramRound, (require_tenant().id, int(work.params["round_id"])))
    if found is None:
        raise RoundGone()
    setting = work.params.get("setting") or ""
    sub_quotas = work.params.get("sub_quotas")
    outcome = ranking.simulate(session, found, quota=work.params.get("quota"), sub_quotas=sub_quotas,
                               points_table=ranking.parse_setting(setting) if setting else None,
                               progress=lambda step, done, total: work.progress(step, done, total))
    current = ranking.current_run(session, found)
    before = {sub.name: sub for sub in ranking.sub_quotas_of_run(session, current)} if current else {}
    shown = [*outcome.moved_in[:MOVERS_SHOWN], *outcome.moved_out[:MOVERS_SHOWN]]
    people = _movers(session, shown)
    return {"quota": work.params.get("quota"), "sub_quotas_changed": sub_quotas, "setting": setting,
            "inputs": outcome.input_count, "allocated": outcome.allocated_count,
            "places": outcome.params.get("quota"),
            "cutoff": _points(outcome.cutoff), "compared_with": outcome.compared_with,
            "cutoff_before": _points(current.cutoff) if current else None,
            "sub_quotas": [{**sub.to_json(), "cutoff_before": _points(before[sub.name].cutoff)
                            if sub.name in before else None}
                           for sub in outcome.sub_quotas],
            "moved_in": [people[n] for n in outcome.moved_in[:MOVERS_SHOWN]], "moved_in_count": len(outcome.moved_in),
            "moved_out": [people[n] for n in outcome.moved_out[:MOVERS_SHOWN]],
            "moved_out_count": len(outcome.moved_out)}


def _points(value) -> str | None:
    return None if value is None else str(value)


def _movers(session: Session, ids: list[int]) -> dict[int, dict]:
    """Application id -> its number, the applicant's masked name and the sub-quota (what a list shows)."""
    found: dict[int, dict] = {}
    for first in range(0, len(ids), 500):
        rows = session.execute(
            select(ProgramApplication.id, ProgramApplication.reference, ProgramApplication.sub_quota, User.real_name)
            .join(User, User.id == ProgramApplication.user_id)
            .where(ProgramApplication.id.in_(ids[first:first + 500]))
        ).all()
        for app_id, reference, sub_quota, name in rows:
            found[app_id] = {"number": reference, "name": mask_name(name), "sub_quota": sub_quota}
    return {n: found.get(n, {"number": "—", "name": "", "sub_quota": None}) for n in ids}
