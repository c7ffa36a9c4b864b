"""The two declarative plugin kinds of DESIGN.md: score item types and service programs.

A plugin returns instances of these from ``register_score_item_types`` and ``register_service_programs``.
They are plain frozen data: the core reads them, stores nothing of them but their keys, and calls
``ScoreItemType.score`` only when an item is verified or rules are re-applied.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, ClassVar

import marshmallow as ma

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")

# Score categories of the Jiaxing scheme (DOMAIN.md).
CATEGORIES = (
    "basic_status",
    "personal_quality",
    "residence",
    "family_planning",
    "patents_innovation",
    "investment_tax",
    "social_service",
    "awards",
    "deductions",
)

QUOTA_MODES = ("headcount", "cutoff", "threshold", "budget")
# A budget round, when a grant no longer fits the money left: a smaller one below it may still be paid, or stop.
BUDGET_LEFTOVER = ("skip", "stop")
BUDGET_LEFTOVER_NAMES = {
    "stop": {"zh": "停止：其后申请均不再发放", "en": "Stop: nobody below it is paid"},
    "skip": {"zh": "跳过：其后金额较小的申请仍可发放", "en": "Skip it: a smaller grant below it may still be paid"},
}


def budget_leftover_field(default: str = "stop") -> ma.fields.String:
    """A budget program's settings field ``budget_leftover``: the county's rule for its new rounds when
    a grant no longer fits the money left (docs/ranking.md, "Budget quotas"), drawn as a choice in words."""
    if default not in BUDGET_LEFTOVER:
        raise ValueError(f"budget_leftover_field: the default must be one of {BUDGET_LEFTOVER}")
    return ma.fields.String(load_default=default, validate=ma.validate.OneOf(BUDGET_LEFTOVER), metadata={
        "label": {"zh": "剩余资金不足以发放某笔补助时", "en": "When a grant no longer fits the money left"},
        "choices": BUDGET_LEFTOVER_NAMES})
FAMILY_RULES = (None, "higher_ranked_spouse", "higher_ranked_parent")
OFFER_RULES = (None, "decline_forfeits", "decline_passes_on")


class EmptySettings(ma.Schema):
    """Settings schema for a declaration that has none."""


class ItemSettings(ma.Schema):
    """Base for score item settings: every item type may be capped by the county.

    ``cap`` limits what all of an applicant's items of this type count together (e.g. awards: cap 60).
    """

    cap = ma.fields.Decimal(allow_none=True, load_default=None, as_string=True, validate=ma.validate.Range(min=0),
                            metadata={"label": {"zh": "封顶分值", "en": "Cap"},
                                      "help": {"zh": "本项各条合计最多计的分，不填则不封顶。",
                                               "en": "The most all of an applicant's items of this kind count "
                                                     "together; leave it empty for no cap."},
                                      "unit": {"zh": "分", "en": "points"}})

    # What version of its settings the schema reads, and how older stored settings are brought up to
    # it ({n: function turning a version-n dict into version n+1}): jifen.plugin.settings_versions.
    settings_version: ClassVar[int] = 1
    settings_migrations: ClassVar[dict[int, Callable[[dict], dict]]] = {}


AGGREGATES = ("max", "sum", "single")


class ProgramSettings(ma.Schema):
    """Base for service program settings: ``start_on``, the day the county brings the program in
    (before it the portal shows the program as coming, with its date, and nobody can apply), and
    ``offer_days``, the working days an applicant has to accept or decline an offered place.
    """

    start_on = ma.fields.Date(allow_none=True, load_default=None, metadata={
        "label": {"zh": "开始实施日期", "en": "Start date"},
        "help": {"zh": "此日期前门户显示为即将实施，不接受申请；不填即已实施。",
                 "en": "Before this day the portal shows the program as coming and nobody can apply; "
                       "leave it empty if it applies already."}})
    offer_days = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=60), metadata={
        "label": {"zh": "名额答复期限", "en": "Time to answer an offer"},
        "help": {"zh": "获得名额的申请人须在此期限内接受或放弃。",
                 "en": "An applicant offered a place accepts or declines it within this time."},
        "unit": {"zh": "个工作日", "en": "working days"}})

    settings_version: ClassVar[int] = 1  # as ItemSettings
    settings_migrations: ClassVar[dict[int, Callable[[dict], dict]]] = {}

def localized(names: dict[str, str], locale: str) -> str:
    """Pick ``names[locale]``, falling back to Chinese, then English, then any."""
    for candidate in (locale, locale.split("_")[0], "zh", "en"):
        if candidate in names:
            return names[candidate]
    return next(iter(names.values()), "")


def _lines_in(texts: dict[str, tuple[str, ...]], locale: str) -> tuple[str, ...]:
    """Like :func:`localized`, for a list of sentences per language."""
    for candidate in (locale, locale.split("_")[0], "zh", "en"):
        if candidate in texts:
            return tuple(texts[candidate])
    return ()


def _check_common(kind: str, key: str, names: dict[str, str]) -> None:
    if not KEY_PATTERN.match(key):
        raise ValueError(f"{kind} key {key!r} must be lower-case letters, digits and underscores")
    if "zh" not in names or "en" not in names:
        raise ValueError(f"{kind} {key!r} needs names in 'zh' and 'en'")


@dataclass(frozen=True)
class ScoreItemType:
    """One kind of thing that earns (or loses) points.

    :param key: unique name, e.g. ``"education"``.
    :param category: one of :data:`CATEGORIES`.
    :param names: ``{"zh": ..., "en": ...}``.
    :param input_schema: marshmallow schema of what an applicant declares.
    :param evidence: kinds of document the applicant uploads, e.g. ``("diploma",)``; ``evidence_names``
        names each kind for people: ``{"diploma": {"zh": "毕业证书", "en": "Diploma"}}``.
    :param department: key of the department that verifies it (``education``, ``police``, ...).
    :param settings_schema: marshmallow schema of the county's points table and cap; derive it from
        :class:`ItemSettings`.
    :param score: pure function ``(verified_input, settings) -> Decimal``: what one item is worth.
        ``verified_input`` is the stored input loaded by ``input_schema`` (a ``Date`` field gives a
        ``datetime.date``, a ``Decimal`` field a ``Decimal``, never the stored strings); ``settings`` is
        the county's settings loaded by ``settings_schema`` plus ``"as_of"``, the ``datetime.date`` the
        rules apply on (for ages and years). Return a ``Decimal`` (an ``int`` is accepted; never a
        float or None). Negative for deductions. ``cap_group`` receives the same two.
    :param aggregate: how several items of this type count together: ``"max"`` (only the highest
        counts: education, skill), ``"sum"`` (all count, up to the cap: patents, awards) or
        ``"single"`` (an applicant declares it once: age, residence).
    :param cap_group: optional ``(verified_input, settings) -> (group, cap)``: items of this type in
        the same group share ``cap`` (``None``: no cap), applied by the core before the type's ``cap``
        (social service: volunteering and blood each up to 10; awards: per level).
    :param department_of: optional ``(input) -> department key`` when the verifying department
        depends on the input (blood donation goes to health, volunteering to civil affairs).
    :param sample: optional ``(random.Random) -> dict``: a realistic input for synthetic applicants
        (``jifen demo-data``, benchmarks, property tests); it must pass ``input_schema``.

    Input and settings schema fields carry their labels for the portal's forms in ``metadata``:
    ``metadata={"label": {"zh": ..., "en": ...}}``, and for a ``OneOf`` field (or the levels of
    :func:`jifen.plugin.levels.level_points`) ``metadata={"choices": {value: {"zh": ..., "en": ...}}}``;
    settings fields also ``"help"`` (one sentence: what the value means) and ``"unit"`` (分, 年, 岁, %, 元),
    each ``{"zh": ..., "en": ...}``. ``jifen plugin check`` fails a field without a label in both.
    """

    key: str
    category: str
    names: dict[str, str]
    input_schema: type[ma.Schema]
    department: str
    score: Callable[[dict, dict], Decimal]
    evidence: tuple[str, ...] = ()
    evidence_names: dict[str, dict[str, str]] = field(default_factory=dict)
    settings_schema: type[ma.Schema] = ItemSettings
    aggregate: str = "max"
    cap_group: Callable[[dict, dict], tuple[str, Decimal | None]] | None = None
    department_of: Callable[[dict], str] | None = None
    sample: Callable[[random.Random], dict] | None = None

    def __post_init__(self) -> None:
        _check_common("score item type", self.key, self.names)
        if self.category not in CATEGORIES:
            raise ValueError(f"score item type {self.key!r}: unknown category {self.category!r}")
        if self.aggregate not in AGGREGATES:
            raise ValueError(f"score item type {self.key!r}: aggregate must be one of {AGGREGATES}")

    def name(self, locale: str) -> str:
        return localized(self.names, locale)

    def evidence_in(self, locale: str) -> tuple[str, ...]:
        """The documents this item needs, by their names (a kind without names: "a supporting document")."""
        fallback = {"zh": "证明材料", "en": "A supporting document"}
        return tuple(localized(self.evidence_names.get(kind) or fallback, locale) for kind in self.evidence)

    def department_for(self, data: dict) -> str:
        return self.department_of(data) if self.department_of else self.department


@dataclass(frozen=True)
class RankingScore:
    """A program's own ranking key, computed by the core inside the ranking's SQL (no per-row hook).

    The key is the application's *program score* (a number the program stores on the application:
    an exam score imported from a spreadsheet) plus the applicant's confirmed points times
    ``points_factor``, at most ``points_cap``. An application without a program score, or below
    ``pass_mark``, is not ranked. Each of the three is a number or the name of one of the program's
    settings (the county chooses it). ``names`` labels the program score for people. ``full_marks``
    (likewise a number or a setting's name), the highest score there is: an import refuses a score
    above it. docs/ranking.md, "A program's own ranking score".
    """

    names: dict[str, str]
    points_factor: Decimal | str = Decimal("1")
    points_cap: Decimal | str | None = None
    pass_mark: Decimal | str | None = None
    full_marks: Decimal | str | None = None

    def __post_init__(self) -> None:
        if "zh" not in self.names or "en" not in self.names:
            raise ValueError("a ranking score needs names in 'zh' and 'en'")
        for name in ("points_factor", "points_cap", "pass_mark", "full_marks"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, (str, Decimal, int)):
                raise ValueError(f"ranking score: {name} must be a Decimal or the name of a setting")
            if isinstance(value, (Decimal, int)) and value < 0:
                raise ValueError(f"ranking score: {name} cannot be negative")

    def name(self, locale: str) -> str:
        return localized(self.names, locale)

    def resolved(self, settings: dict) -> dict[str, Decimal | None]:
        """The four numbers, each setting's name replaced by the county's value in ``settings`` (the
        program's loaded settings; an empty setting is None). A name the settings lack: KeyError."""
        found: dict[str, Decimal | None] = {}
        for name in ("points_factor", "points_cap", "pass_mark", "full_marks"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = settings[value]
            found[name] = None if value is None else Decimal(str(value))
        return found


@dataclass(frozen=True)
class ServiceProgram:
    """A public service handed out by rank within a published quota.

    :param key: unique name, e.g. ``"school_enrollment"``.
    :param names: ``{"zh": ..., "en": ...}``; ``summaries`` likewise, one sentence for the portal.
    :param quota_mode: ``headcount`` (fixed number of places), ``cutoff`` (cutoff score),
        ``threshold`` (everyone above a threshold, no quota) or ``budget`` (the round's quota is money,
        in yuan, paid out as grants in rank order: docs/ranking.md, "Budget quotas").
    :param grant: with ``budget``: ``(fields, settings) -> amount`` in yuan (a ``Decimal`` or whole
        number above 0), the grant an application asks for from its own fields and the county's
        settings (a need category's amount); fixed when the application is submitted.
    :param sub_quota_by: what the quota is split by (``"town"``, ``"school"``) or ``None``.
    :param tie_breaks: ordered subtotal names that break equal totals before the seeded lottery;
        ``"applied_at"`` (earlier first) and, with a ``ranking_score``, ``"program_score"`` (higher first).
        The program's default: a county may choose its own chain (jifen.ranking.tie_breaks).
    :param tie_break_choices: the keys a county may build its own chain from; ``None``: any score category,
        any score item type the county has, ``"applied_at"`` and (with a ``ranking_score``) ``"program_score"``.
        The keys of ``tie_breaks`` are always allowed.
    :param publication_days: working days the provisional list is published (公示).
    :param family_rule: ``"higher_ranked_spouse"`` (a couple is served by the higher-ranked spouse),
        ``"higher_ranked_parent"`` (a child's place goes by the higher-scoring parent) or ``None``.
    :param offer_rule: ``"decline_forfeits"``, ``"decline_passes_on"`` or ``None``.
    :param settings_schema: marshmallow schema of the county's settings for the program; derive it
        from :class:`ProgramSettings` (``start_on``).
    :param application_schema: marshmallow schema of the program's own fields an applicant fills in
        (drawn like score item inputs, with ``metadata`` labels). A field named as ``sub_quota_by``
        gives the application's sub-quota (its town or school).
    :param check: optional ``(fields, applicant, settings) -> list of messages``: the program's own
        eligibility (a child of the right age, income and housing need); ``applicant`` is a
        :class:`jifen.programs.rounds.ApplicantContext`. Any message refuses the application.
    :param conditions: ``{"zh": (...), "en": (...)}``: the program's own conditions, one sentence each, shown on
        its page before anyone starts; ``documents`` likewise, what to have at hand (and bring to an offer).
    :param committee_review: applications are nominations a committee (reviewers of a department the
        county chooses) approves or sets aside with a reason before the round is ranked.
    :param ranking_score: a :class:`RankingScore`: the program ranks by a score of its own (an exam
        score) plus the applicant's points, scaled and capped, instead of by points alone.
    """

    key: str
    names: dict[str, str]
    quota_mode: str
    summaries: dict[str, str] = field(default_factory=dict)
    sub_quota_by: str | None = None
    tie_breaks: tuple[str, ...] = ()
    publication_days: int = 5
    family_rule: str | None = None
    offer_rule: str | None = None
    settings_schema: type[ma.Schema] = ProgramSettings
    application_schema: type[ma.Schema] = EmptySettings
    check: Callable[[dict, object, dict], list] | None = None
    conditions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    documents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    committee_review: bool = False
    ranking_score: "RankingScore | None" = None
    tie_break_choices: tuple[str, ...] | None = None
    grant: Callable[[dict, dict], object] | None = None

    def __post_init__(self) -> None:
        _check_common("service program", self.key, self.names)
        if self.quota_mode not in QUOTA_MODES:
            raise ValueError(f"service program {self.key!r}: quota_mode must be one of {QUOTA_MODES}")
        if (self.quota_mode == "budget") != (self.grant is not None):
            raise ValueError(f"service program {self.key!r}: a budget program, and only one, needs a grant function")
        if self.family_rule not in FAMILY_RULES:
            raise ValueError(f"service program {self.key!r}: family_rule must be one of {FAMILY_RULES}")
        if self.offer_rule not in OFFER_RULES:
            raise ValueError(f"service program {self.key!r}: offer_rule must be one of {OFFER_RULES}")
        if self.publication_days < 1:
            raise ValueError(f"service program {self.key!r}: publication_days must be at least 1")
        if "program_score" in self.tie_breaks and self.ranking_score is None:
            raise ValueError(f"service program {self.key!r}: the tie-break program_score needs a ranking_score")
        if "program_score" in (self.tie_break_choices or ()) and self.ranking_score is None:
            raise ValueError(f"service program {self.key!r}: the tie-break choice program_score needs a ranking_score")

    def name(self, locale: str) -> str:
        return localized(self.names, locale)

    def summary(self, locale: str) -> str:
        return localized(self.summaries, locale) if self.summaries else ""

    def conditions_in(self, locale: str) -> tuple[str, ...]:
        return _lines_in(self.conditions, locale)

    def documents_in(self, locale: str) -> tuple[str, ...]:
        return _lines_in(self.documents, locale)
