"""Password hashing (Argon2id) and the strength rule applied at registration and change."""

from __future__ import annotations

from jifen.text import lazy_gettext as _l

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8
_COMMON = {"password", "12345678", "123456789", "1234567890", "qwertyuiop", "11111111", "88888888", "a1234567",
           "abc12345", "password1", "iloveyou", "woaini520", "woaini1314"}


def use_cheap_hashes_for_tests() -> None:
    """Tests make hundreds of accounts; production-strength Argon2 would make up most of their time."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def weakness(password: str, *personal: str) -> str | None:
    """Why ``password`` is too weak, or None. ``personal`` are values it must not contain (mobile, ID)."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > 128:
        return _l("Use at most 128 characters.")
    if password.lower() in _COMMON:
        return _l("This password is too common.")
    if password.isdigit() or password.isalpha():
        return _l("Mix letters with digits or symbols.")
    if len(set(password)) < 4:
        return _l("Use more different characters.")
    for value in personal:
        if value and len(value) >= 6 and value[-6:].lower() in password.lower():
            return _l("Do not use your mobile or ID number in the password.")
    return None
