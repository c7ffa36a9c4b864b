"""Service programs in a county: rounds with quotas, applications to them, ranking runs and results.

A ranking run is a record: its inputs (a snapshot per application), its parameters and seed, its
ordered results and their SHA-256 digest. Results are never edited; publishing switches which run
is current (DESIGN.md, "Points, applications and ranking").
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id
from jifen.models.application import POINTS

MONEY = Numeric(12, 2)  # yuan, with fen: a budget round's grants (docs/ranking.md, "Budget quotas")


class ProgramRound(TenantScoped, Base):
    """One cycle of a program: its application window, quota and sub-quotas, the frozen rules."""

    __tablename__ = "program_rounds"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    program_key: Mapped[str] = mapped_column(String(60), index=True)
    name: Mapped[str] = mapped_column(String(100))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    quota: Mapped[int | None] = mapped_column(nullable=True)  # None: threshold entitlement, no quota
    sub_quotas: Mapped[dict] = mapped_column(JSON, default=dict)  # {"魏塘街道": 40, ...}
    threshold: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    second_round: Mapped[bool] = mapped_column(default=False)
    second_round_cap_percent: Mapped[int] = mapped_column(default=10)
    cutoff_ties: Mapped[str] = mapped_column(String(10), default="strict")  # "strict" or "all"
    rule_version: Mapped[int | None] = mapped_column(nullable=True)  # frozen when the window closes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A program with its own ranking score: its terms (points factor, cap, pass mark), frozen with the rules.
    ranking_terms: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The tie-break chain (a list of keys), frozen with the rules: the county's chain then; None: not frozen yet.
    tie_breaks: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # A budget round (quota_mode "budget", ``quota`` in yuan): "skip" (a smaller grant below one that no
    # longer fits may still be paid) or "stop" (the allocation stops there); None: not a budget round.
    budget_leftover: Mapped[str | None] = mapped_column(String(10), nullable=True)


class ProgramTieBreaks(TenantScoped, Base):
    """A county's own tie-break chain for a program (jifen.ranking.tie_breaks); none: the program's own."""

    __tablename__ = "program_tie_breaks"

    program_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    chain: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProgramApplication(TenantScoped, Base):
    __tablename__ = "program_applications"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "round_id"], ["program_rounds.tenant_id", "program_rounds.id"]),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "round_id", "user_id"),
        Index("uq_program_applications_reference", "tenant_id", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    round_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int]
    # A number people read aloud and type (JS-2027-000123: jifen.references), unique in the county; the
    # published list and its digest name the application by it.
    reference: Mapped[str] = mapped_column(String(20))
    sub_quota: Mapped[str | None] = mapped_column(String(60), nullable=True)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)  # the program's own fields
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied, withdrawn
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The grant asked for (a budget program: ServiceProgram.grant), fixed when the application is submitted.
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    # A score of the program's own that ranks with the points (ServiceProgram.ranking_score: an exam score).
    program_score: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    # A committee's decision on a nomination (ServiceProgram.committee_review): None (waiting),
    # "approved" or "set_aside", with the reason, who decided (a user id) and when.
    review_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RankingRun(TenantScoped, Base):
    __tablename__ = "ranking_runs"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "round_id"], ["program_rounds.tenant_id", "program_rounds.id"]),
        # At most one current run per round, as a rule of the database (a partial unique index).
        Index("uq_ranking_runs_current", "tenant_id", "round_id", unique=True,
              postgresql_where=text("is_current"), sqlite_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    round_id: Mapped[int] = mapped_column(index=True)
    rule_version: Mapped[int | None] = mapped_column(nullable=True)
    plugin_versions: Mapped[dict] = mapped_column(JSON, default=dict)
    seed: Mapped[int]
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # quota, sub-quotas, mode, tie-breaks, ...
    digest: Mapped[str] = mapped_column(String(64))
    # What each digest line names the application by: 1 its internal id (runs made before core_0015),
    # 2 its reference number, as the published list shows it (docs/ranking.md).
    digest_format: Mapped[int] = mapped_column(default=2, server_default="1")
    input_count: Mapped[int] = mapped_column(default=0)
    allocated_count: Mapped[int] = mapped_column(default=0)
    cutoff: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    is_current: Mapped[bool] = mapped_column(default=False)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RankingInput(TenantScoped, Base):
    """The snapshot a run ranked: what each application had when the run was made.

    No foreign keys (decision 0010): rows are written only by :mod:`jifen.ranking.snapshot`, in one
    statement, under the run it created moments before in the same transaction.
    """

    __tablename__ = "ranking_inputs"
    tenant_foreign_key = False

    run_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    program_application_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int]
    sub_quota: Mapped[str | None] = mapped_column(String(60), nullable=True)
    family_key: Mapped[str | None] = mapped_column(String(64), nullable=True)  # both spouses share it
    points: Mapped[Decimal] = mapped_column(POINTS)
    # The program's tie-break chain as numbers where higher ranks first (earlier times are negated).
    tb1: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    tb2: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    tb3: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    tb4: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    lottery: Mapped[int]  # from the run's seed and the application id
    # The program's own score it ranked with (ServiceProgram.ranking_score); ``points`` is then that
    # score plus the points counted (docs/ranking.md, "A program's own ranking score").
    program_score: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)  # the grant asked for (budget rounds)


class RankingResult(TenantScoped, Base):
    """A run's result for one application. No foreign keys, like :class:`RankingInput`."""

    __tablename__ = "ranking_results"
    tenant_foreign_key = False
    __table_args__ = (
        Index("ix_ranking_results_order", "tenant_id", "run_id", "position"),
    )

    run_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    program_application_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int]  # 1.. over the whole run, in the total order
    sub_quota: Mapped[str | None] = mapped_column(String(60), nullable=True)
    sub_position: Mapped[int | None] = mapped_column(nullable=True)  # rank within the sub-quota
    points: Mapped[Decimal] = mapped_column(POINTS)
    outcome: Mapped[str] = mapped_column(String(30))  # allocated, waitlisted, served_by_spouse, below_threshold
    allocation_round: Mapped[int | None] = mapped_column(nullable=True)  # 1, or 2 for the second round
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)  # the grant asked for (budget rounds)
