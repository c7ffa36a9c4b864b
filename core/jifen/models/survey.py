"""The residents' survey (问卷): a survey, its questions, and anonymous answers, one per person.

A response holds the answers and nothing that names the person: no user id, no time, and an id drawn at
random (not :func:`jifen.db.ids.new_id`, whose ids are ordered by time). Who has answered is a separate
table of keyed hashes of (survey, person) (:func:`jifen.identity.protect.lookup_hash`), so that a second
answer is refused while no response can be joined to its person.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.ids import new_id
from jifen.db.session import Base, TenantScoped, utcnow

DRAFT, OPEN, CLOSED = "draft", "open", "closed"
SURVEY_STATUSES = (DRAFT, OPEN, CLOSED)
SINGLE, MULTIPLE, RANKING, TEXT = "single", "multiple", "ranking", "text"
QUESTION_KINDS = (SINGLE, MULTIPLE, RANKING, TEXT)


def random_id() -> int:
    """A 62-bit random id: a response's id must not tell when it was given."""
    return secrets.randbits(62) or 1


class Survey(TenantScoped, Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    intro_zh: Mapped[str | None] = mapped_column(Text, nullable=True)
    intro_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)  # draft, open, closed
    opens_on: Mapped[date | None] = mapped_column(nullable=True)  # first day of answers (optional)
    closes_on: Mapped[date | None] = mapped_column(nullable=True)  # last day of answers (optional)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SurveyQuestion(TenantScoped, Base):
    """One question. ``options``: ``[{"key": ..., "zh": ..., "en": ...}]`` (a ranking of programs keeps each
    program's key and its names as they were when the question was saved); none for a free-text question."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "survey_id"], ["surveys.tenant_id", "surveys.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    survey_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20))  # single, multiple, ranking, text
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[list] = mapped_column(JSON, default=list)
    option_source: Mapped[str] = mapped_column(String(20), default="given")  # given, programs, installed
    required: Mapped[bool] = mapped_column(default=False)


class SurveyResponse(TenantScoped, Base):
    """One person's answers, by question id; nothing says whose."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "survey_id"], ["surveys.tenant_id", "surveys.id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=random_id, autoincrement=False)
    survey_id: Mapped[int] = mapped_column(index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)


class SurveyParticipant(TenantScoped, Base):
    """That someone answered a survey: a keyed hash of (survey, person), the key outside the database."""

    __tablename__ = "survey_participants"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "survey_id"], ["surveys.tenant_id", "surveys.id"], ondelete="CASCADE"),
    )

    survey_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
