"""The words of questions and complaints: kinds, topics, states, how an answer is published, and what a
case is about (a program's, a round's or a list's names, never their keys)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jifen.complaints.filing import Subject
from jifen.identity.accounts import departments
from jifen.models import Complaint, ProgramRound, Publication
from jifen.programs.rounds import declared_program
from jifen.text import lazy_gettext as _l

KIND_LABELS = {"question": _l("A question"), "complaint": _l("A complaint")}
TOPIC_LABELS = {"county": _l("The county in general"), "program": _l("A program"), "round": _l("A round"),
                "list": _l("A published list")}
STATUS_LABELS = {"open": _l("Waiting for an answer"), "answered": _l("Answered"),
                 "reopened": _l("Reopened: waiting for a new answer")}
VISIBILITY_LABELS = {"public": _l("Publish it with the filer's name masked"),
                     "anonymised": _l("Publish it without the filer"),
                     "private": _l("Answer the filer only")}
STAGE_LABELS = {"provisional": _l("provisional list"), "final": _l("final list")}


def status_label(status: str):
    return STATUS_LABELS.get(status, _l("Waiting for an answer"))


def _program_name(key: str | None, lang: str) -> str:
    program = declared_program(key) if key else None
    return program.name(lang) if program is not None else ""


def subject_label(subject: Subject, lang: str) -> str:
    program = _program_name(subject.program_key, lang)
    if subject.value == "county":
        return str(TOPIC_LABELS["county"])
    if subject.round_name is None:
        return program
    if subject.publication_id is None:
        return f"{program} · {subject.round_name}"
    return f"{program} · {subject.round_name} · {STAGE_LABELS.get(subject.stage or '', '')}"


def about_choices(subjects: list[Subject], lang: str) -> list[tuple[str, str]]:
    return [("", str(_l("Choose one")))] + [(s.value, subject_label(s, lang)) for s in subjects]


def about_label(session: Session, case: Complaint, lang: str) -> str:
    if case.topic == "county":
        return str(TOPIC_LABELS["county"])
    found = session.get(ProgramRound, (case.tenant_id, case.round_id)) if case.round_id else None
    listed = session.get(Publication, (case.tenant_id, case.publication_id)) if case.publication_id else None
    subject = Subject(case.topic, case.topic, program_key=case.program_key, round_id=case.round_id,
                      publication_id=case.publication_id, round_name=found.name if found else None,
                      stage=listed.stage if listed else None)
    label = subject_label(subject, lang)
    return f"{TOPIC_LABELS.get(case.topic, '')}: {label}" if label else str(TOPIC_LABELS.get(case.topic, ""))


def department_name(key: str, lang: str) -> str:
    names = departments().get(key) or {}
    return names.get(lang) or names.get("zh") or str(_l("The county's administrators"))
