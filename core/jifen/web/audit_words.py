"""The audit trail in words: actions, actors, objects and details as a county official reads them.

The trail stores keys (``offer.expired``, ``user:3865…``, ``{"round": 3865…}``); these tables turn
them into sentences in the reader's language. A key recorded by a plugin that the core has no words
for is shown as "another change", never as the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.identity import masking
from jifen.jobs.kinds import job_label
from jifen.models import ApiToken, AuditEvent, ProgramRound, User
from jifen.text import lazy_gettext as _l
from jifen.web import words

ACTIONS = {
    "api_token.created": _l("API token made"),
    "api_token.revoked": _l("API token revoked"),
    "application.confirmed": _l("Points confirmed"),
    "application.recheck_requested": _l("Re-check of points asked for"),
    "application.submitted": _l("Points application submitted"),
    "demo_data.created": _l("Demonstration data added"),
    "evidence.uploaded": _l("Evidence uploaded"),
    "family.added": _l("Family member added"),
    "family.removed": _l("Family member removed"),
    "fraud.finding_recorded": _l("Finding of false materials recorded"),
    "fraud.finding_withdrawn": _l("Finding of false materials withdrawn"),
    "item.changed": _l("Item changed"),
    "item.declared": _l("Item declared"),
    "item.removed": _l("Item removed"),
    "item.supplemented": _l("Supplement sent"),
    "item.verified": _l("Item verified"),
    "item.rejected": _l("Item not accepted"),
    "item.supplement_requested": _l("Supplement asked for"),
    "job.requested": _l("Background work started"),
    "objection.raised": _l("Objection raised"),
    "complaint.filed": _l("Question or complaint filed"),
    "onboarding.imported": _l("County records imported"),
    "complaint.answered": _l("Question or complaint answered"),
    "complaint.reopened": _l("Question or complaint reopened"),
    "complaint.reassigned": _l("Question or complaint moved to another department"),
    "objection.dismissed": _l("Objection dismissed"),
    "objection.upheld": _l("Objection upheld"),
    "offer.accepted": _l("Place accepted"),
    "offer.declined": _l("Place declined"),
    "offer.expired": _l("Offer expired"),
    "offer.made": _l("Place offered"),
    "offers.made": _l("Offers made"),
    "nomination.approved": _l("Nomination approved by the committee"),
    "nomination.set_aside": _l("Nomination set aside by the committee"),
    "plugin.enabled": _l("Plugin switched on"),
    "plugin.disabled": _l("Plugin switched off"),
    "plugin.settings_changed": _l("Plugin settings changed"),
    "plugin.disabled_unfinished": _l("Plugin switched off with unfinished rounds"),
    "points.rescored": _l("Points rescored"),
    "profile.changed": _l("Profile changed"),
    "program.applied": _l("Applied to a program"),
    "program.score_recorded": _l("Score recorded"),
    "program_scores.imported": _l("Scores imported"),
    "program.withdrawn": _l("Program application withdrawn"),
    "publication.final": _l("Final list published"),
    "publication.period_changed": _l("Publication period changed"),
    "publication.provisional": _l("Provisional list published"),
    "ranking.made_current": _l("Ranking run made current"),
    "ranking.run": _l("Ranking run"),
    "round.created": _l("Round created"),
    "survey.created": _l("Survey written"),
    "survey.changed": _l("Survey changed"),
    "survey.question_added": _l("Survey question added"),
    "survey.question_removed": _l("Survey question removed"),
    "survey.published": _l("Survey published"),
    "survey.closed": _l("Survey closed"),
    "round.rules_frozen": _l("Round's rules frozen"),
    "program.tie_breaks_changed": _l("Tie-break chain changed"),
    "round.window_changed": _l("Round's window changed"),
    "rules.version_created": _l("New rule version"),
    "tenant.created": _l("County created"),
    "tenant.updated": _l("County settings loaded"),
    "user.created": _l("Account created"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
    "user.password_reset": _l("Initial password issued again"),
    "user.registered": _l("Account registered"),
    "user.login": _l("Logged in"),
    "user.login_failed": _l("Failed login"),
    "user.logout": _l("Logged out"),
    "user.password_changed": _l("Password changed"),
    "user.role_changed": _l("Role changed"),
    "user.preferences_changed": _l("Message preferences changed"),
    "verifications.imported": _l("Verification results imported"),
}
OTHER_ACTION = _l("Another change")

OBJECTS = {
    "user": _l("Account"), "item": _l("Item"), "application": _l("Points application"), "round": _l("Round"),
    "run": _l("Ranking run"), "publication": _l("Publication"), "objection": _l("Objection"), "offer": _l("Offer"),
    "plugin": _l("Plugin"), "rule_version": _l("Rule version"), "job": _l("Background work"), "token": _l("API token"),
    "api_token": _l("API token"), "tenant": _l("County"), "evidence": _l("Evidence"), "family": _l("Family member"),
    "program_application": _l("Program application"), "rules": _l("Points tables"), "survey": _l("Survey"),
    "program": _l("Service program"), "complaint": _l("Question or complaint"),
    "onboarding_import": _l("Import of county records"), "family_member": _l("Family member"),
}

DETAILS = {
    "round": _l("Round"), "rounds": _l("Rounds"), "run": _l("Ranking run"), "kind": _l("Kind"), "digest": _l("Digest"),
    "department": _l("Department"), "departments": _l("Departments"), "before": _l("Before"), "after": _l("After"),
    "rule_version": _l("Rule version"), "role": _l("Role"), "prefix": _l("Token starts with"), "name": _l("Name"),
    "mobile": _l("Mobile number"), "items": _l("Score items"), "item_type": _l("Score item"), "total": _l("Points"),
    "sub_quota": _l("Sub-quota"), "scopes": _l("Scopes"), "relation": _l("Relation"), "reason": _l("Reason"),
    "program": _l("Program"), "previous": _l("Before"), "outcome": _l("Outcome"), "note": _l("Note"),
    "messages": _l("Messages"), "made": _l("Made"), "linked": _l("Linked"), "last_id": _l("Last"),
    "first_id": _l("First"), "ends_on": _l("Ends on"), "starts_on": _l("Starts on"), "deadline": _l("Deadline"),
    "changed": _l("Changed"), "applications": _l("Applications"), "application": _l("Application"),
    "quota": _l("Quota (places)"), "sub_quotas": _l("Sub-quotas"), "seed": _l("Lottery seed"),
    "count": _l("Number"), "file_name": _l("File"), "rows": _l("Rows"), "written": _l("Written"),
    "opens_on": _l("Applications open on"), "closes_on": _l("Applications close on"), "stage": _l("Stage"),
    "number": _l("Application number"), "points": _l("Points"), "size": _l("Size"), "channels": _l("Channels"),
    "language": _l("Language of messages"), "email": _l("E-mail address (optional)"),
    "points_factor": _l("Points factor"), "points_cap": _l("Most marks the points add"), "pass_mark": _l("Pass mark"),
    "reference": _l("Reference number"), "due_on": _l("Answer due by"), "in_time": _l("Answered in time"),
    "file_sha256": _l("File fingerprint (SHA-256)"), "lines": _l("Lines"), "amount": _l("Grant (yuan)"),
    "paid": _l("Grants allocated (yuan)"), "registrants": _l("Registrants"), "family": _l("Family members"),
}
OTHER_DETAIL = _l("More")

COUNTY_FIELDS = {
    "name_zh": _l("Name in Chinese"), "name_en": _l("Name in English"), "hotline": _l("Hotline"),
    "primary_color": _l("Main colour"), "accent_color": _l("Accent colour"), "logo": _l("Logo"),
    "settings": _l("Settings"), "hosts": _l("Web addresses"), "time_zone": _l("Time zone"),
}

# Details whose values are data to show as recorded (digests, token prefixes, file names), never words.
DATA_DETAILS = frozenset({"digest", "prefix", "file_name", "name", "mobile", "email", "number", "sha256", "reference"})


@dataclass(frozen=True)
class Detail:
    label: str
    value: str
    data: bool = False  # shown as recorded: the page marks it translate="no"


def action_label(action: str):
    return ACTIONS.get(action, OTHER_ACTION)


def object_label(target_type: str | None):
    return OBJECTS.get(target_type or "", _l("Other")) if target_type else ""


class Actors:
    """Who did it, as names: accounts masked as staff need (张*明 · 139****0003), tokens by their name."""

    def __init__(self, session: Session, actors: Iterable[str]) -> None:
        user_ids, token_ids = set(), set()
        for actor in actors:
            kind, _, ident = (actor or "").partition(":")
            if ident.isdigit():
                (user_ids if kind == "user" else token_ids if kind == "token" else set()).add(int(ident))
        self.users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
        self.tokens = ({t.id: t for t in session.scalars(select(ApiToken).where(ApiToken.id.in_(token_ids)))}
                       if token_ids else {})

    def label(self, actor: str) -> str:
        kind, _, ident = actor.partition(":")
        if kind == "user" and ident.isdigit():
            user = self.users.get(int(ident))
            return (f"{masking.mask_name(user.real_name)} · {masking.mask_mobile(user.mobile)}" if user
                    else str(_l("A removed account")))
        if kind == "token" and ident.isdigit():
            token = self.tokens.get(int(ident))
            return str(_l("API token %(name)s", name=token.name)) if token else str(_l("A removed API token"))
        return words.actor_label(actor)


def rounds_named(session: Session, events: Iterable[AuditEvent]) -> dict[int, str]:
    ids = {int(v) for e in events for k, v in (e.details or {}).items()
           if k == "round" and str(v).isdigit()}
    ids |= {int(e.target_id) for e in events if e.target_type == "round" and str(e.target_id or "").isdigit()}
    if not ids:
        return {}
    return {r.id: r.name for r in session.scalars(select(ProgramRound).where(ProgramRound.id.in_(ids)))}


def value_text(value, rounds: dict[int, str] | None = None, key: str | None = None) -> str:
    """A detail's value as text: lists joined, nested values as ``label: value`` pairs, keys as words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if key in ("round", "rounds") and rounds and str(value).isdigit() and int(value) in rounds:
        return rounds[int(value)]
    if key == "scopes" and isinstance(value, list):
        return words.scopes_label(value)
    if isinstance(value, list):
        return ", ".join(value_text(v, rounds, key) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{DETAILS.get(k, OTHER_DETAIL)}: {value_text(v, rounds, k)}" for k, v in value.items()) or "—"
    if not isinstance(value, str):
        return str(value)
    if key == "role":
        return words.role_label(value)
    if key in ("department", "departments"):
        return words.department_label(value)
    if key == "items":
        return words.plugin_label(value)
    if key in ("program", "item_type"):
        return words.declaration_label(value)
    if key == "relation":
        return words.relation_label(value)
    if key == "note":
        return words.rule_note(value)
    if key == "changed":
        kind, _, name = value.partition(":")
        return words.plugin_label(name) if kind == "plugin" and name else str(COUNTY_FIELDS.get(value, OTHER_DETAIL))
    if key == "kind":
        return str(job_label(value))
    named = {"stage": STAGES, "outcome": OUTCOMES, "language": LANGUAGES}.get(key or "")
    if named is not None:
        return str(named.get(value, _l("another value")))
    return value


STAGES = {"provisional": _l("Provisional list"), "final": _l("Final list")}
OUTCOMES = {"allocated": _l("Allocated"), "waitlisted": _l("Waiting list"), "below_threshold": _l("Below the threshold"),
            "dismissed": _l("Dismissed"), "upheld": _l("Upheld"), "accepted": _l("Accepted"), "declined": _l("Declined"),
            "expired": _l("Expired"), "offered": _l("Offered"), "verified": _l("Verified"), "rejected": _l("Not accepted")}
LANGUAGES = {"zh_Hans_CN": _l("Chinese"), "en": _l("English")}


def detail_rows(details: dict | None, rounds: dict[int, str] | None = None, *, action: str = "",
                target: str | None = None) -> list[Detail]:
    """The details of an event as labelled values. A plugin's settings change shows what changed, by the
    labels of its settings schema; details the core has no label for are counted, never shown as keys."""
    details = dict(details or {})
    if action == "plugin.settings_changed" and target:
        return [Detail(label, value) for label, value in
                words.settings_changes(target, details.get("before"), details.get("after"))]
    rows, unknown = [], 0
    for key, value in details.items():
        if key in DETAILS:
            rows.append(Detail(str(DETAILS[key]), value_text(value, rounds, key), key in DATA_DETAILS))
        else:
            unknown += 1
    if unknown:
        rows.append(Detail(str(OTHER_DETAIL), str(_l("%(n)d more recorded values", n=unknown))))
    return rows
