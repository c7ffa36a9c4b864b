"""Answering a survey: which surveys a resident may answer, reading a form's answers, and storing them once.

The response is stored without the person; who answered is kept apart as a keyed hash of (county, survey,
person), so the same person is refused a second time and no response can be traced back to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jifen import clock
from jifen.county.tenancy import require_tenant
from jifen.errors import ApplicationError
from jifen.identity.protect import lookup_hash
from jifen.models import Survey, SurveyParticipant, SurveyQuestion, SurveyResponse
from jifen.models.survey import MULTIPLE, OPEN, RANKING, SINGLE, TEXT
from jifen.text import lazy_gettext as _l

MAX_TEXT = 2000
ALREADY_ANSWERED = _l("You have already answered this survey: answers are anonymous, so they cannot be changed.")
NOT_OPEN = _l("This survey is not open for answers.")
REQUIRED = _l("Answer this question.")


class AlreadyAnswered(ApplicationError):
    def __init__(self) -> None:
        super().__init__(ALREADY_ANSWERED)


def person_hash(survey: Survey, user_id: int) -> str:
    """The keyed hash that says this person answered this survey; a different hash for every survey."""
    return lookup_hash(f"survey:{require_tenant().id}:{survey.id}:{user_id}")


def is_open(survey: Survey, today: date | None = None) -> bool:
    today = today or clock.today()
    return (survey.status == OPEN and (survey.opens_on is None or survey.opens_on <= today)
            and (survey.closes_on is None or today <= survey.closes_on))


def open_surveys(session: Session) -> list[Survey]:
    found = session.scalars(select(Survey).where(Survey.status == OPEN).order_by(Survey.published_at))
    return [s for s in found if is_open(s)]


def has_answered(session: Session, survey: Survey, user_id: int) -> bool:
    return session.get(SurveyParticipant, (require_tenant().id, survey.id, person_hash(survey, user_id))) is not None


def field_name(question: SurveyQuestion, option_key: str | None = None) -> str:
    return f"q{question.id}" + (f"-{option_key}" if option_key else "")


def read_answers(questions: list[SurveyQuestion], form: Mapping) -> tuple[dict, dict]:
    """``(answers, errors)`` from a posted form: answers by question id (an option's key, a list of keys,
    the keys in the order ranked, or a text); errors by field name."""
    answers: dict[str, object] = {}
    errors: dict[str, list] = {}
    for q in questions:
        name = field_name(q)
        keys = [o["key"] for o in q.options]
        if q.kind == SINGLE:
            value = (form.get(name) or "").strip()
            if value and value not in keys:
                errors[name] = [_l("Choose one of the options.")]
            elif value:
                answers[str(q.id)] = value
        elif q.kind == MULTIPLE:
            values = form.getlist(name) if hasattr(form, "getlist") else list(form.get(name) or [])
            chosen = [k for k in keys if k in values]
            if set(values) - set(keys):
                errors[name] = [_l("Choose from the options.")]
            elif chosen:
                answers[str(q.id)] = chosen
        elif q.kind == RANKING:
            ranks: dict[str, int] = {}
            bad = False
            for key in keys:
                raw = (form.get(field_name(q, key)) or "").strip()
                if not raw:
                    continue
                if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= len(keys):
                    bad = True
                    continue
                ranks[key] = int(raw)
            if bad:
                errors[name] = [_l("Give each service a place from 1 to %(count)s, or leave it out.", count=len(keys))]
            elif len(set(ranks.values())) != len(ranks):
                errors[name] = [_l("Give each place to one service only.")]
            elif ranks and sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
                errors[name] = [_l("Number the places from 1 without gaps.")]
            elif ranks:
                answers[str(q.id)] = sorted(ranks, key=ranks.get)
        elif q.kind == TEXT:
            value = (form.get(name) or "").strip()
            if len(value) > MAX_TEXT:
                errors[name] = [_l("Write at most %(count)s characters.", count=MAX_TEXT)]
            elif value:
                answers[str(q.id)] = value
        if q.required and name not in errors and str(q.id) not in answers:
            errors[name] = [REQUIRED]
    return answers, errors


def answer(session: Session, survey: Survey, user_id: int, questions: list[SurveyQuestion], form: Mapping
           ) -> SurveyResponse:
    """Store one person's answers, once. Raises :class:`AlreadyAnswered` on a second answer, and
    :class:`ApplicationError` (with a message per field) when the survey is not open or an answer is wrong."""
    if not is_open(survey):
        raise ApplicationError(NOT_OPEN)
    if has_answered(session, survey, user_id):
        raise AlreadyAnswered()
    answers, errors = read_answers(questions, form)
    if errors:
        raise ApplicationError(_l("Some answers need a look."), errors)
    response = SurveyResponse(survey_id=survey.id, answers=answers)
    session.add(SurveyParticipant(survey_id=survey.id, person_hash=person_hash(survey, user_id)))
    session.add(response)
    try:
        session.flush()
    except IntegrityError:  # the same person in two tabs at once: the hash's primary key refuses the second
        session.rollback()
        raise AlreadyAnswered() from None
    return response
