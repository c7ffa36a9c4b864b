"""Writing a survey: its title and dates, its questions one at a time, then publishing and closing it.

A survey is edited while it is a draft; publishing opens it to the county's residents and closing ends
the answers. Each change is audited (the answers never are: they are anonymous).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.db.session import utcnow
from jifen.errors import ApplicationError
from jifen.models import Survey, SurveyQuestion
from jifen.models.survey import CLOSED, DRAFT, OPEN, QUESTION_KINDS, RANKING, TEXT
from jifen.plugin.manager import catalog
from jifen.county.context import current_county
from jifen.text import lazy_gettext as _l

SOURCES = ("given", "programs", "installed")
MAX_OPTIONS = 30


def _dates(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise ApplicationError(_l("The last day is before the first day."),
                               {"closes_on": [_l("The last day is before the first day.")]})


def create(session: Session, *, title_zh: str, title_en: str | None = None, intro_zh: str | None = None,
           intro_en: str | None = None, opens_on: date | None = None, closes_on: date | None = None,
           actor: str) -> Survey:
    _dates(opens_on, closes_on)
    survey = Survey(title_zh=title_zh.strip(), title_en=(title_en or "").strip() or None,
                    intro_zh=(intro_zh or "").strip() or None, intro_en=(intro_en or "").strip() or None,
                    opens_on=opens_on, closes_on=closes_on, status=DRAFT, created_by=actor)
    session.add(survey)
    session.flush()
    audit.record(session, "survey.created", actor=actor, target_type="survey", target_id=survey.id,
                 details={"name": survey.title_zh})
    return survey


def change(session: Session, survey: Survey, *, title_zh: str, title_en: str | None = None,
           intro_zh: str | None = None, intro_en: str | None = None, opens_on: date | None = None,
           closes_on: date | None = None, actor: str) -> None:
    _editable(survey)
    _dates(opens_on, closes_on)
    survey.title_zh, survey.title_en = title_zh.strip(), (title_en or "").strip() or None
    survey.intro_zh, survey.intro_en = (intro_zh or "").strip() or None, (intro_en or "").strip() or None
    survey.opens_on, survey.closes_on = opens_on, closes_on
    audit.record(session, "survey.changed", actor=actor, target_type="survey", target_id=survey.id,
                 details={"name": survey.title_zh})


def questions_of(session: Session, survey: Survey) -> list[SurveyQuestion]:
    return list(session.scalars(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
                                .order_by(SurveyQuestion.position, SurveyQuestion.id)))


def _editable(survey: Survey) -> None:
    if survey.status != DRAFT:
        raise ApplicationError(_l("Only a draft survey can be changed: this one is published."))


def program_options(session: Session, source: str) -> list[dict]:
    """The programs as options: the county's own (``programs``), or every installed program (``installed``),
    each with its key and its names as they are now."""
    if source == "programs":
        found = list(current_county(session).programs)
    else:
        found = [p for info in catalog().values() for p in info.programs]
    seen, options = set(), []
    for program in found:
        if program.key not in seen:
            seen.add(program.key)
            options.append({"key": program.key, "zh": program.name("zh"), "en": program.name("en")})
    return options


def given_options(lines_zh: str, lines_en: str) -> list[dict]:
    zh = [line.strip() for line in (lines_zh or "").splitlines() if line.strip()]
    en = [line.strip() for line in (lines_en or "").splitlines() if line.strip()]
    return [{"key": f"o{i + 1}", "zh": text, "en": en[i] if i < len(en) else ""} for i, text in enumerate(zh)]


def add_question(session: Session, survey: Survey, *, kind: str, text_zh: str, text_en: str | None = None,
                 options_zh: str = "", options_en: str = "", source: str = "given", required: bool = False,
                 actor: str) -> SurveyQuestion:
    _editable(survey)
    if kind not in QUESTION_KINDS:
        raise ApplicationError(_l("Choose the kind of question."), {"kind": [_l("Choose the kind of question.")]})
    if not (text_zh or "").strip():
        raise ApplicationError(_l("Write the question in Chinese."), {"text_zh": [_l("Write the question in Chinese.")]})
    source = source if kind == RANKING and source in SOURCES else "given"
    options: list[dict] = []
    if kind != TEXT:
        options = given_options(options_zh, options_en) if source == "given" else program_options(session, source)
        if len(options) < 2:
            message = (_l("Give at least two options, one a line.") if source == "given"
                       else _l("There are fewer than two programs to rank."))
            raise ApplicationError(message, {"options_zh": [message]})
        if len(options) > MAX_OPTIONS:
            message = _l("Give at most %(count)s options.", count=MAX_OPTIONS)
            raise ApplicationError(message, {"options_zh": [message]})
    last = session.scalar(select(func.max(SurveyQuestion.position)).where(SurveyQuestion.survey_id == survey.id))
    question = SurveyQuestion(survey_id=survey.id, position=(last or 0) + 1, kind=kind, text_zh=text_zh.strip(),
                              text_en=(text_en or "").strip() or None, options=options, option_source=source,
                              required=bool(required))
    session.add(question)
    session.flush()
    audit.record(session, "survey.question_added", actor=actor, target_type="survey", target_id=survey.id,
                 details={"count": question.position})
    return question


def remove_question(session: Session, survey: Survey, question: SurveyQuestion, *, actor: str) -> None:
    _editable(survey)
    session.delete(question)
    session.flush()
    audit.record(session, "survey.question_removed", actor=actor, target_type="survey", target_id=survey.id)


def publish(session: Session, survey: Survey, *, actor: str) -> None:
    _editable(survey)
    if not questions_of(session, survey):
        raise ApplicationError(_l("Add at least one question before publishing."))
    survey.status = OPEN
    survey.published_at = utcnow()
    audit.record(session, "survey.published", actor=actor, target_type="survey", target_id=survey.id,
                 details={"name": survey.title_zh})


def close(session: Session, survey: Survey, *, actor: str) -> None:
    if survey.status != OPEN:
        raise ApplicationError(_l("Only a published survey can be closed."))
    survey.status = CLOSED
    survey.closed_at = utcnow()
    audit.record(session, "survey.closed", actor=actor, target_type="survey", target_id=survey.id,
                 details={"name": survey.title_zh})
