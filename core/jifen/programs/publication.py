"""Publishing a round's ranking (公示): the provisional list, objections, re-check, the final list.

The public list shows the current run's results with personal data masked (张*明,
3304**********123X), pages by position (keyset, fast at millions of rows), finds an entry by its
application number, and downloads as CSV headed by the run's digest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterator

from jifen.text import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock, references
from jifen.events import announce
from jifen.points.applications import ApplicationError
from jifen.db.session import utcnow
from jifen.exchange.spreadsheets import escape_cell  # text a spreadsheet would run as a formula
from jifen.identity import masking, protect
from jifen.models import (Application, Objection, ProgramApplication, ProgramRound, Publication, RankingInput,
                          RankingResult, RankingRun, User)
from jifen.plugin.kinds import ServiceProgram
from jifen.calendar.workdays import period_end

PAGE_SIZE = 50


def current_run(session: Session, found: ProgramRound) -> RankingRun | None:
    return session.scalar(select(RankingRun).where(RankingRun.round_id == found.id, RankingRun.is_current.is_(True)))


def latest(session: Session, found: ProgramRound) -> Publication | None:
    return session.scalar(select(Publication).where(Publication.round_id == found.id)
                          .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1))


def in_objection_period(publication: Publication | None, today: date | None = None) -> bool:
    today = today or clock.today()
    return bool(publication and publication.stage == "provisional" and publication.starts_on <= today
                and (publication.ends_on is None or today <= publication.ends_on))


def publish_provisional(session: Session, found: ProgramRound, program: ServiceProgram, *, actor: str) -> Publication:
    run = current_run(session, found)
    if run is None:
        raise ApplicationError(_l("Make a ranking run current before publishing it."))
    if session.scalar(select(Publication.id).where(Publication.round_id == found.id, Publication.stage == "final")):
        raise ApplicationError(_l("The final list of this round is published: it can no longer be published "
                                  "as a provisional list."))
    today = clock.today()
    publication = Publication(round_id=found.id, run_id=run.id, stage="provisional", starts_on=today,
                              ends_on=period_end(today, program.publication_days), actor=actor)
    session.add(publication)
    session.flush()
    audit.record(session, "publication.provisional", actor=actor, target_type="round", target_id=found.id,
                 details={"run": run.id, "digest": run.digest, "ends_on": publication.ends_on.isoformat()})
    _announce_published(session, found, publication, run)
    return publication


def publish_final(session: Session, found: ProgramRound, *, actor: str) -> Publication:
    provisional = latest(session, found)
    if provisional is None or provisional.stage != "provisional":
        raise ApplicationError(_l("Publish the provisional list first."))
    if in_objection_period(provisional):
        raise ApplicationError(_l("The publication period runs until %(date)s.", date=provisional.ends_on.isoformat()))
    if open_objections(session, provisional):
        raise ApplicationError(_l("Decide every objection before publishing the final list."))
    run = current_run(session, found)
    if run is None or run.id != provisional.run_id:
        raise ApplicationError(_l("The current run changed after the provisional list: publish it provisionally first."))
    final = Publication(round_id=found.id, run_id=run.id, stage="final", starts_on=clock.today(), actor=actor)
    session.add(final)
    session.flush()
    audit.record(session, "publication.final", actor=actor, target_type="round", target_id=found.id,
                 details={"run": run.id, "digest": run.digest})
    _announce_published(session, found, final, run)
    return final


def _announce_published(session: Session, found: ProgramRound, publication: Publication, run: RankingRun) -> None:
    announce(session, "on_list_published", program=found.program_key, round_id=found.id,
             publication_id=publication.id, run_id=run.id, stage=publication.stage, digest=run.digest,
             ends_on=publication.ends_on)


def change_period(session: Session, found: ProgramRound, provisional: Publication, ends_on: date | None,
                  reason: str, *, actor: str) -> date | None:
    """End the objection period of the running provisional list now (``ends_on`` None: yesterday was its
    last day) or move its last day to ``ends_on``, with the reason recorded; returns the last day before.
    The caller checks that the period runs (jifen.programs.states)."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        message = _l("Say why the objection period changes.")
        raise ApplicationError(message, {"reason": [message]})
    today = clock.today()
    if ends_on is not None and ends_on < today:
        message = _l("Give today or a later day, or end the period now.")
        raise ApplicationError(message, {"ends_on": [message]})
    new_end = ends_on if ends_on is not None else today - timedelta(days=1)
    before = provisional.ends_on
    if new_end == before:
        message = _l("The objection period ends on that day already.")
        raise ApplicationError(message, {"ends_on": [message]})
    provisional.ends_on = new_end
    session.flush()
    audit.record(session, "publication.period_changed", actor=actor, target_type="round", target_id=found.id,
                 details={"publication": provisional.id, "before": before.isoformat() if before else None,
                          "after": new_end.isoformat(), "reason": reason[:500]})
    return before


def object_to(session: Session, publication: Publication, user: User, reason: str,
              concerning: str | None = None) -> Objection:
    """An objection to the list; ``concerning`` is the reference number of the entry objected to, as typed."""
    if not in_objection_period(publication):
        raise ApplicationError(_l("Objections are taken only during the publication period."))
    reason = (reason or "").strip()
    if not reason:
        message = _l("Say what is wrong with the list.")
        raise ApplicationError(message, {"reason": [message]})
    program_application_id = None
    if (concerning or "").strip():
        number = references.normalized(concerning)
        entry = page(session, publication, number=number) if number else []
        if not entry:
            message = _l("No application on this list has the reference number %(number)s.", number=concerning.strip()[:40])
            raise ApplicationError(message, {"number": [message]})
        program_application_id = session.scalar(select(ProgramApplication.id).where(ProgramApplication.reference == number))
    objection = Objection(publication_id=publication.id, user_id=user.id, reason=reason[:2000],
                          program_application_id=program_application_id, reference=references.next_reference(session))
    session.add(objection)
    session.flush()
    audit.record(session, "objection.raised", actor=user.actor, target_type="objection", target_id=objection.id)
    return objection


def open_objections(session: Session, publication: Publication) -> list[Objection]:
    return list(session.scalars(select(Objection).where(Objection.publication_id == publication.id,
                                                        Objection.status == "open").order_by(Objection.created_at)))


def objections_of(session: Session, publication: Publication) -> list[Objection]:
    return list(session.scalars(select(Objection).where(Objection.publication_id == publication.id)
                                .order_by(Objection.created_at)))


def decide(session: Session, objection: Objection, upheld: bool, outcome: str, *, actor: str) -> None:
    """The county administrator's re-check (复核), with its recorded outcome."""
    outcome = (outcome or "").strip()
    if objection.status != "open":
        raise ApplicationError(_l("This objection is decided already."))
    if not outcome:
        message = _l("Record the outcome of the re-check.")
        raise ApplicationError(message, {"outcome": [message]})
    objection.status = "upheld" if upheld else "dismissed"
    objection.outcome = outcome[:2000]
    objection.decided_by = actor
    objection.decided_at = utcnow()
    audit.record(session, f"objection.{objection.status}", actor=actor, target_type="objection",
                 target_id=objection.id, details={"outcome": objection.outcome})
    # The objector learns the outcome (in-portal message and the county's channels), by reference number.
    from jifen.county.context import current_county
    from jifen.notifications import notify

    objector = session.get(User, (objection.tenant_id, objection.user_id))
    if objector is not None:
        values = {"reference": objection.reference or "", "outcome": objection.outcome}
        body = (_l("Your objection %(reference)s is upheld; the list is corrected. The county's re-check: "
                   "%(outcome)s", **values) if upheld else
                _l("Your objection %(reference)s is not upheld. The county's re-check: %(outcome)s", **values))
        notify(session, current_county(session).hooks, objector, _l("Your objection is decided"), body,
               kind="objection.decided", params=values)


@dataclass(frozen=True)
class Entry:
    position: int
    sub_position: int | None
    application_number: str  # the reference number (JS-2027-000123), never the internal id
    name: str  # masked
    id_number: str  # masked
    sub_quota: str | None
    points: Decimal
    outcome: str
    allocation_round: int | None
    program_score: Decimal | None = None  # a program with its own ranking score: the score ranked with
    amount: Decimal | None = None  # a budget round: the grant asked for, in yuan

    @property
    def points_counted(self) -> Decimal:
        """Of ``points`` (the total, for a program with its own ranking score), what the points added."""
        return Decimal(self.points) - (self.program_score or 0)


def score_terms_of(run: RankingRun | None) -> dict | None:
    """The terms of a run of a program with its own ranking score (points factor, cap, pass mark), or None."""
    return (run.params or {}).get("program_score") if run is not None else None


def _entries(session: Session, rows) -> list[Entry]:
    users = {}
    if rows:
        ids = [r.user_id for r in rows]
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    entries = []
    for r in rows:
        user = users.get(r.user_id)
        entries.append(Entry(r.position, r.sub_position, r.reference,
                             masking.mask_name(user.real_name) if user else "",
                             masking.mask(protect.decrypt(user.id_number_encrypted)) if user else "",
                             r.sub_quota, r.points, r.outcome, r.allocation_round, r.program_score, r.amount))
    return entries


def _result_query(run_id: int):
    return (select(RankingResult.position, RankingResult.sub_position, ProgramApplication.reference,
                   RankingResult.sub_quota, RankingResult.points, RankingResult.outcome,
                   RankingResult.allocation_round, ProgramApplication.user_id, RankingInput.program_score,
                   RankingResult.amount)
            .join(ProgramApplication, ProgramApplication.id == RankingResult.program_application_id)
            .outerjoin(RankingInput, (RankingInput.run_id == RankingResult.run_id)
                       & (RankingInput.program_application_id == RankingResult.program_application_id))
            .where(RankingResult.run_id == run_id))


def page(session: Session, publication: Publication, *, after: int = 0, size: int = PAGE_SIZE,
         number: str | None = None) -> list[Entry]:
    """One page of the list after ``position`` (keyset), or the entry with reference ``number``: the program
    application's, or the applicant's points application's (the number on the confirmation page)."""
    query = _result_query(publication.run_id)
    if number is not None:
        points_holder = select(Application.user_id).where(Application.reference == number).scalar_subquery()
        query = query.where((ProgramApplication.reference == number) | (ProgramApplication.user_id == points_holder))
    else:
        query = query.where(RankingResult.position > after).order_by(RankingResult.position).limit(size)
    return _entries(session, session.execute(query).all())


def is_budget(run: RankingRun | None) -> bool:
    """Whether ``run`` is a budget round's: its lists then show each grant (the digest covers it)."""
    return run is not None and (run.params or {}).get("quota_mode") == "budget"


def csv_lines(session: Session, publication: Publication, run: RankingRun, batch: int = 5000) -> Iterator[str]:
    """The whole list as CSV, in batches, headed by the run and its digest; a budget round's with an
    ``amount`` column last (the digest's lines: docs/ranking.md, "Runs are records")."""
    money = is_budget(run)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([f"# published {publication.starts_on.isoformat()}", f"stage {publication.stage}",
                     f"sha256 {run.digest}", f"digest format {run.digest_format}"])
    writer.writerow(["position", "sub_quota", "sub_position", "application_number", "name", "id_number", "points",
                     "outcome", "allocation_round", *(["amount"] if money else [])])
    yield flush()
    after = 0
    while True:
        entries = page(session, publication, after=after, size=batch)
        if not entries:
            break
        for e in entries:
            writer.writerow([e.position, escape_cell(e.sub_quota or ""), e.sub_position or "", e.application_number,
                             escape_cell(e.name), e.id_number, e.points, e.outcome, e.allocation_round or "",
                             *([e.amount] if money else [])])
        after = entries[-1].position
        yield flush()


@dataclass(frozen=True)
class Standing:
    entry: Entry
    cutoff: Decimal | None
    distance: Decimal | None  # points still missing to reach the cutoff (0 when at or above)


def standing_of(session: Session, publication: Publication, run: RankingRun, user: User) -> Standing | None:
    row = session.execute(_result_query(run.id).where(ProgramApplication.user_id == user.id)).first()
    if row is None:
        return None
    entry = _entries(session, [row])[0]
    distance = None
    if run.cutoff is not None:
        distance = max(Decimal(run.cutoff) - Decimal(entry.points), Decimal("0"))
    return Standing(entry, run.cutoff, distance)
