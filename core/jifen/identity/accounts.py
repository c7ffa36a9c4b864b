"""Accounts of the bound county: registration, authentication, password and role changes.

Every state change here writes an audit record in the caller's transaction.
"""

from __future__ import annotations

from jifen.text import lazy_gettext as _l

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jifen import audit
from jifen.db.session import utcnow
from jifen.identity import masking, national_id, passwords, protect
from jifen.models import PlatformAdmin, User, UserDepartment
from jifen.models.user import ROLES
from jifen.county.tenancy import require_tenant

MOBILE = re.compile(r"^1[3-9]\d{9}$")
REAL_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z·\. ]{2,50}$")


class AccountError(ValueError):
    """Bad input for an account operation; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_mobile(mobile: str) -> str:
    mobile = (mobile or "").strip()
    if not MOBILE.match(mobile):
        raise AccountError("mobile", _l("A mobile number has 11 digits and starts with 1."))
    return mobile


def check_real_name(name: str) -> str:
    name = (name or "").strip()
    if not REAL_NAME.match(name):
        raise AccountError("real_name", _l("Enter your name as on your ID card (2-50 characters)."))
    return name


def find_by_id_number(session: Session, number: str) -> User | None:
    return session.scalar(select(User).where(User.id_number_hash == protect.lookup_hash(number)))


def find_by_mobile(session: Session, mobile: str) -> User | None:
    return session.scalar(select(User).where(User.mobile == mobile))


def create_user(
    session: Session,
    *,
    real_name: str,
    id_number: str,
    mobile: str,
    password: str,
    role: str = "applicant",
    department: str | Iterable[str] | None = None,
    actor: str | None = None,
    must_change_password: bool = False,
) -> User:
    real_name = check_real_name(real_name)
    try:
        number = national_id.validate(id_number)
    except national_id.InvalidNationalId as exc:
        raise AccountError("id_number", exc.args[0]) from None
    mobile = check_mobile(mobile)
    reason = passwords.weakness(password, mobile, number)
    if reason:
        raise AccountError("password", reason)
    keys = check_role(session, role, department)
    if find_by_id_number(session, number) is not None:
        raise AccountError("id_number", _l("An account with this ID number already exists in this county. Log in instead."))
    if find_by_mobile(session, mobile) is not None:
        raise AccountError("mobile", _l("An account with this mobile number already exists in this county."))
    user = User(
        real_name=real_name,
        id_number_encrypted=protect.encrypt(number),
        id_number_hash=protect.lookup_hash(number),
        mobile=mobile,
        password_hash=passwords.hash_password(password),
        role=role,
        must_change_password=must_change_password,
        department_rows=[UserDepartment(department=key) for key in keys],
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration won the race
        session.rollback()
        raise AccountError("id_number", _l("An account with this ID number or mobile already exists in this county.")) from None
    audit.record(
        session,
        "user.registered" if actor is None else "user.created",
        actor=actor or user.actor,
        target_type="user",
        target_id=user.id,
        details={"role": role, "departments": list(keys), "mobile": masking.mask_mobile(mobile)},
    )
    return user


def departments(session: Session | None = None) -> dict[str, dict[str, str]]:
    """The bound county's departments (tenant.toml ``[departments]``): key -> names."""
    return dict(require_tenant().settings.get("departments", {}))


def check_role(session: Session, role: str, chosen: str | Iterable[str] | None) -> tuple[str, ...]:
    """The departments ``role`` gets from ``chosen`` (one key or several), in the county's order:
    a reviewer has one or more of the county's departments, other roles none."""
    if role not in ROLES:
        raise AccountError("role", _l("Role must be one of: %(roles)s.", roles=", ".join(ROLES)))
    if role != "reviewer":
        return ()
    wanted = {chosen} if isinstance(chosen, str) else set(chosen or ())
    wanted.discard("")
    if not wanted:
        raise AccountError("department", _l("A reviewer belongs to a department."))
    known = departments(session)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise AccountError("department", _l("Unknown department %(name)s (this county has: %(known)s).",
                                            name=unknown[0], known=", ".join(sorted(known)) or "none"))
    return tuple(key for key in known if key in wanted)


def is_last_admin(session: Session, user: User) -> bool:
    """Whether ``user`` is the county's only active administrator (who must stay one: someone runs the county).

    The county's active administrators are locked (PostgreSQL), so two administrators demoting each
    other at once cannot leave none."""
    if user.role != "admin" or not user.is_active:
        return False
    admins = select(User.id).where(User.role == "admin", User.is_active.is_(True)).with_for_update()
    others = [i for i in session.scalars(admins) if i != user.id]
    return not others


def set_departments(user: User, keys: Iterable[str]) -> None:
    keys = tuple(keys)
    user.department_rows = [row for row in user.department_rows if row.department in keys] + [
        UserDepartment(department=key) for key in keys if key not in {r.department for r in user.department_rows}]


def authenticate(session: Session, mobile: str, password: str) -> User | None:
    user = find_by_mobile(session, (mobile or "").strip())
    if user is None or not user.is_active or not passwords.verify_password(user.password_hash, password or ""):
        audit.record(
            session,
            "user.login_failed",
            actor="anonymous",
            target_type="user",
            target_id=user.id if user else None,
            details={"mobile": masking.mask_mobile(mobile or "")},
        )
        return None
    user.last_login_at = utcnow()
    audit.record(session, "user.login", actor=user.actor, target_type="user", target_id=user.id)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError("current_password", _l("The current password is not correct."))
    number = protect.decrypt(user.id_number_encrypted)
    reason = passwords.weakness(new, user.mobile, number)
    if reason:
        raise AccountError("new_password", reason)
    if user.must_change_password and new == current:
        raise AccountError("new_password", _l("Choose a password of your own, not the initial one."))
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    audit.record(session, "user.password_changed", actor=user.actor, target_type="user", target_id=user.id)


def end_sessions(session: Session, user) -> None:
    """Log ``user`` (a county's user or a platform administrator) out everywhere: every login session id
    made before, and every copy of its cookie, stops opening pages."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.commit()


def set_role(session: Session, user: User, role: str, departments: str | Iterable[str] | None, *,
             actor: str) -> bool:
    """Give ``user`` the ``role`` (a reviewer: with ``departments``); False when nothing changes."""
    keys = check_role(session, role, departments)
    if (user.role, set(user.departments)) == (role, set(keys)):
        return False
    if role != "admin" and is_last_admin(session, user):
        raise AccountError("role", _l("This is the county's last active administrator: make another administrator first."))
    before = {"role": user.role, "departments": list(user.departments)}
    user.role = role
    set_departments(user, keys)
    audit.record(
        session,
        "user.role_changed",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"before": before, "after": {"role": role, "departments": list(keys)}},
    )
    return True


def create_platform_admin(session: Session, username: str, password: str) -> PlatformAdmin:
    if not re.match(r"^[a-z][a-z0-9_.-]{2,49}$", username or ""):
        raise AccountError("username", _l("A username is 3-50 lower-case letters, digits, '.', '_' or '-'."))
    reason = passwords.weakness(password)
    if reason:
        raise AccountError("password", reason)
    if session.scalar(select(PlatformAdmin).where(PlatformAdmin.username == username)) is not None:
        raise AccountError("username", _l("A platform administrator %(name)s already exists.", name=username))
    admin = PlatformAdmin(username=username, password_hash=passwords.hash_password(password))
    session.add(admin)
    session.flush()
    return admin


def authenticate_platform_admin(session: Session, username: str, password: str) -> PlatformAdmin | None:
    admin = session.scalar(select(PlatformAdmin).where(PlatformAdmin.username == (username or "").strip()))
    if admin is None or not admin.is_active or not passwords.verify_password(admin.password_hash, password or ""):
        return None
    return admin


def set_platform_admin_password(session: Session, username: str, password: str) -> None:
    admin = session.scalar(select(PlatformAdmin).where(PlatformAdmin.username == username))
    if admin is None:
        raise AccountError("username", _l("No platform administrator is called %(name)s.", name=username))
    reason = passwords.weakness(password)
    if reason:
        raise AccountError("password", reason)
    admin.password_hash = passwords.hash_password(password)
