"""The kinds of job there are, each naming its function by path."""

from __future__ import annotations

from jifen.text import lazy_gettext as _l

# A job's kind names its function by path, as RQ names functions: the runner imports it when the job
# runs, so this package depends on no domain package. The function is called as fn(session, work)
# with a jifen.jobs.runner.Work and returns a JSON-able dict, the job's result.
KINDS: dict[str, tuple[str, object]] = {
    "ranking.run": ("jifen.programs.background:rank_round", _l("Ranking")),
    "ranking.simulate": ("jifen.programs.background:simulate_round", _l("Simulation")),
    "points.rescore": ("jifen.points.background:rescore_points", _l("Rescoring points")),
    "rules.preview": ("jifen.programs.rule_preview:preview", _l("Preview of a points table change")),
    "points.rescore_preview": ("jifen.points.code_changes:preview", _l("Preview of a rescore after a plugin upgrade")),
    "messages.send": ("jifen.notifications:send_deliveries", _l("Sending messages")),
    "exchange.onboarding": ("jifen.exchange.onboarding_job:run", _l("Import of county records")),
}


def job_label(kind: str):
    return KINDS[kind][1] if kind in KINDS else _l("Background work")
