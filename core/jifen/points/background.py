"""The points' long work, run as a job (jifen.jobs): rescoring confirmed applications under new rules."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jifen.points import ledger
from jifen.points.rules import ensure_current_version
from jifen.text import lazy_gettext as _l


class RescoreStopped(Exception):
    """What the job's page says (the runner shows an exception's ``message``)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def rescore_points(session: Session, work) -> dict:
    """Rescore every confirmed application not yet under the current rules, in committed batches.

    Unlike a ranking, the work is kept batch by batch (each batch whole, with its audit record): a
    rescore that stops part-way is taken up where it stopped by the next one, which rescores only
    what is not yet under the current rules.
    """
    version = ensure_current_version(session, actor=work.actor, note="rescore")
    session.commit()
    total = ledger.to_rescore(session, version.version)
    done = 0
    work.progress("rescoring", 0, total)

    def advance(n: int) -> None:
        nonlocal done
        done += n
        work.progress("rescoring", done, total)

    try:
        result = ledger.rescore(session, actor=work.actor, progress=advance)
    except Exception as exc:
        session.rollback()
        raise RescoreStopped(_l("The rescore stopped after %(done)d of %(total)d applications; those are kept. "
                           "Start the rescore again to go on from there.", done=done, total=total)) from exc
    return {"version": result.version, "rescored": result.rescored, "already": result.already_current}
