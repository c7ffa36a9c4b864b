"""A county's staff accounts, run by its administrators: invite a reviewer or an administrator with an
initial password (shown once, changed at first login), issue a new one, deactivate and reactivate.

Every change writes an audit record in the caller's transaction. Deactivating ends the account's
sessions on the server (its session epoch moves on); the county's last active administrator can
be neither deactivated nor demoted (:func:`jifen.identity.accounts.is_last_admin`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy.orm import Session

from jifen import audit
from jifen.identity import accounts, passwords, protect
from jifen.identity.accounts import AccountError
from jifen.models import User
from jifen.models.user import STAFF_ROLES
from jifen.text import lazy_gettext as _l

# Letters and digits that cannot be mistaken for one another when read out or copied by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def initial_password(*personal: str) -> str:
    """A random password of 14 characters that passes the strength rule."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(14))
        if passwords.weakness(password, *personal) is None:
            return password


def invite(session: Session, *, real_name: str, id_number: str, mobile: str, role: str,
           departments: Iterable[str] | None, actor: str) -> tuple[User, str]:
    """A new staff account and its initial password (to show once; only its hash is kept)."""
    if role not in STAFF_ROLES:
        raise AccountError("role", _l("Choose reviewer or county administrator."))
    password = initial_password(mobile or "", id_number or "")
    user = accounts.create_user(session, real_name=real_name, id_number=id_number, mobile=mobile, password=password,
                                role=role, department=list(departments or ()), actor=actor,
                                must_change_password=True)
    return user, password


def reset_password(session: Session, user: User, *, actor: str) -> str:
    """A new initial password for ``user``: the old one and every session end; it is changed at next login."""
    if actor == user.actor:
        raise AccountError("account", _l("Change your own password on your account page."))
    password = initial_password(user.mobile, protect.decrypt(user.id_number_encrypted))
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = True
    user.session_epoch = (user.session_epoch or 0) + 1
    audit.record(session, "user.password_reset", actor=actor, target_type="user", target_id=user.id)
    return password


def deactivate(session: Session, user: User, *, actor: str) -> bool:
    """Close ``user``'s account: it cannot log in, and its open sessions end. False if already closed."""
    if not user.is_active:
        return False
    if actor == user.actor:
        raise AccountError("account", _l("You cannot deactivate your own account: ask another administrator."))
    if accounts.is_last_admin(session, user):
        raise AccountError("account", _l("This is the county's last active administrator: make another administrator first."))
    user.is_active = False
    user.session_epoch = (user.session_epoch or 0) + 1
    audit.record(session, "user.deactivated", actor=actor, target_type="user", target_id=user.id,
                 details={"role": user.role})
    return True


def reactivate(session: Session, user: User, *, actor: str) -> bool:
    if user.is_active:
        return False
    user.is_active = True
    audit.record(session, "user.reactivated", actor=actor, target_type="user", target_id=user.id,
                 details={"role": user.role})
    return True
