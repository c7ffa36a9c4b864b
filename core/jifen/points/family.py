"""An applicant's family: children (for school places and the children's veto condition) and spouse.

A spouse who has an account in the same county is linked only when both declare each other: the
link is confirmed at the second declaration, never by one side alone.
"""

from __future__ import annotations

from datetime import date

from jifen.text import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.points.applications import ApplicationError
from jifen.identity import national_id, protect
from jifen.models import FamilyMember, User


def members(session: Session, user: User) -> list[FamilyMember]:
    return list(session.scalars(select(FamilyMember).where(FamilyMember.user_id == user.id).order_by(FamilyMember.id)))


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def add(session: Session, user: User, *, relation: str, real_name: str, id_number: str,
        criminal_record: bool = False) -> FamilyMember:
    if relation not in ("child", "spouse"):
        raise ApplicationError(_l("Choose child or spouse."), {"relation": [_l("Choose child or spouse.")]})
    try:
        number = national_id.validate(id_number)
    except national_id.InvalidNationalId as exc:
        raise ApplicationError(exc.args[0], {"id_number": [exc.args[0]]}) from None
    hashed = protect.lookup_hash(number)
    if hashed == user.id_number_hash:
        raise ApplicationError(_l("This is your own ID number."), {"id_number": [_l("This is your own ID number.")]})
    existing = members(session, user)
    if any(m.id_number_hash == hashed for m in existing):
        message = _l("This person is already in your family list.")
        raise ApplicationError(message, {"id_number": [message]})
    if relation == "spouse" and any(m.relation == "spouse" for m in existing):
        message = _l("You have declared a spouse already; remove that entry first.")
        raise ApplicationError(message, {"relation": [message]})
    member = FamilyMember(user_id=user.id, relation=relation, real_name=(real_name or "").strip()[:50],
                          id_number_encrypted=protect.encrypt(number), id_number_hash=hashed,
                          birth_date=birth_date(number), criminal_record=bool(criminal_record))
    session.add(member)
    if relation == "spouse":
        other = session.scalar(select(User).where(User.id_number_hash == hashed))
        if other is not None:
            member.linked_user_id = other.id
            back = session.scalar(select(FamilyMember).where(
                FamilyMember.user_id == other.id, FamilyMember.relation == "spouse",
                FamilyMember.id_number_hash == user.id_number_hash))
            if back is not None:
                back.linked_user_id = user.id
                member.link_confirmed = back.link_confirmed = True
    session.flush()
    audit.record(session, "family.added", actor=user.actor, target_type="family_member", target_id=member.id,
                 details={"relation": relation, "linked": member.link_confirmed})
    return member


def remove(session: Session, user: User, member: FamilyMember) -> None:
    if member.relation == "spouse" and member.link_confirmed and member.linked_user_id:
        back = session.scalar(select(FamilyMember).where(
            FamilyMember.user_id == member.linked_user_id, FamilyMember.relation == "spouse",
            FamilyMember.id_number_hash == user.id_number_hash))
        if back is not None:
            back.link_confirmed = False
    session.delete(member)
    session.flush()
    audit.record(session, "family.removed", actor=user.actor, target_type="family_member", target_id=member.id)


def spouse_of(session: Session, user: User) -> User | None:
    """The confirmed spouse's account, if both declared each other."""
    link = session.scalar(select(FamilyMember).where(FamilyMember.user_id == user.id, FamilyMember.relation == "spouse",
                                                     FamilyMember.link_confirmed.is_(True)))
    return session.get(User, (user.tenant_id, link.linked_user_id)) if link and link.linked_user_id else None
