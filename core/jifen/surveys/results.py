"""A survey's results, counted: per option of a choice question, per service of a ranking (average place
and Borda points), the free texts; and beside them the county's rollout plan (which programs are live,
coming or absent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.county.context import current_county
from jifen.models import Survey, SurveyQuestion, SurveyResponse
from jifen.models.survey import MULTIPLE, RANKING, SINGLE, TEXT
from jifen.plugin.kinds import ServiceProgram
from jifen.plugin.manager import catalog
from jifen.programs import rounds

LIVE, COMING, ABSENT = "live", "coming", "absent"


@dataclass(frozen=True)
class OptionFigure:
    option: dict  # {"key", "zh", "en"}
    count: int  # chosen by (choice); ranked by (ranking)
    share: Decimal  # per cent of the people who answered the question
    average_rank: Decimal | None = None  # ranking: the average place among those who ranked it
    points: int = 0  # ranking: Borda points (n for a first place, n - 1 for a second... n = options)


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    answered: int
    figures: tuple[OptionFigure, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    responses: int
    questions: tuple[QuestionResult, ...] = field(default=())


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else Decimal("0")


def count_question(question: SurveyQuestion, answers: list[dict]) -> QuestionResult:
    given = [a[str(question.id)] for a in answers if str(question.id) in a]
    if question.kind == TEXT:
        return QuestionResult(question, len(given), texts=tuple(str(t) for t in given))
    if question.kind in (SINGLE, MULTIPLE):
        chosen = [[g] if question.kind == SINGLE else list(g) for g in given]
        figures = tuple(OptionFigure(o, n, _percent(n, len(given)))
                        for o in question.options for n in [sum(o["key"] in c for c in chosen)])
        return QuestionResult(question, len(given), figures)
    n = len(question.options)
    figures = []
    for o in question.options:
        places = [order.index(o["key"]) + 1 for order in given if o["key"] in order]
        average = (Decimal(sum(places)) / len(places)).quantize(Decimal("0.01"), ROUND_HALF_UP) if places else None
        figures.append(OptionFigure(o, len(places), _percent(len(places), len(given)), average,
                                    sum(n - p + 1 for p in places)))
    figures.sort(key=lambda f: (-f.points, f.average_rank if f.average_rank is not None else n + 1))
    return QuestionResult(question, len(given), tuple(figures))


def results(session: Session, survey: Survey) -> SurveyResults:
    questions = list(session.scalars(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
                                     .order_by(SurveyQuestion.position, SurveyQuestion.id)))
    answers = list(session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id)))
    return SurveyResults(survey, len(answers), tuple(count_question(q, answers) for q in questions))


@dataclass(frozen=True)
class PlannedProgram:
    program: ServiceProgram
    state: str  # live, coming, absent
    start_on: date | None = None


def rollout_plan(session: Session, today: date | None = None) -> list[PlannedProgram]:
    """Every installed program: live (switched on and started), coming (switched on, starting later) or
    absent (installed, not switched on in the county); the county's own first, in their order."""
    today = today or clock.today()
    enabled = {p.key: p for p in current_county(session).programs}
    plan = []
    for program in enabled.values():
        if rounds.started(session, program, today):
            plan.append(PlannedProgram(program, LIVE, rounds.start_date(session, program)))
        else:
            plan.append(PlannedProgram(program, COMING, rounds.start_date(session, program)))
    seen = set(enabled)
    for info in catalog().values():
        for program in info.programs:
            if program.key not in seen:
                seen.add(program.key)
                plan.append(PlannedProgram(program, ABSENT))
    return plan
