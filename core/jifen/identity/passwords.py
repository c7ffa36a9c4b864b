"""Password hashing (Argon2id) and the strength rule applied at registration and change.

The rule follows NIST SP 800-63B (5.1.1.2): at least 10 characters, at most 128, and not a password
known from breaches: the 30,000 most common of zxcvbn's list, plus common Chinese ones.
"""

from __future__ import annotations

from functools import lru_cache

from jifen.text import lazy_gettext as _l

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10
_CHINESE_COMMON = {"woaini520", "woaini1314", "5201314520", "1314520520", "a123456789", "qq123456789",
                   "1qaz2wsx3edc", "zxcvbnm123", "aa123456789", "woaini1314520"}


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # loaded on the first check, not at start-up

    return frozenset(FREQUENCY_LISTS["passwords"]) | _CHINESE_COMMON


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
    if password.lower() in _common():
        return _l("This password is too common.")
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:])}
    if steps in ({1}, {-1}):  # abcdefghij, 9876543210: NIST's "sequential characters"
        return _l("Do not use a run of consecutive letters or digits.")
    if len(set(password)) < 4:
        return _l("Use more different characters.")
    for value in personal:
        if value and len(value) >= 6 and value[-6:].lower() in password.lower():
            return _l("Do not use your mobile or ID number in the password.")
    return None
