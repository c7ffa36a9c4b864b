"""Resident identity card numbers (GB 11643-1999): validation and masking."""

from __future__ import annotations

from jifen import clock
from jifen.text import lazy_gettext as _l

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


class InvalidNationalId(ValueError):
    pass


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def validate(raw: str) -> str:
    """Return the normalised number, or raise InvalidNationalId with a message a person can act on."""
    number = normalize(raw)
    if len(number) != 18:
        raise InvalidNationalId(_l("An ID number has 18 characters."))
    if not _SHAPE.match(number):
        raise InvalidNationalId(_l("An ID number is 17 digits followed by a digit or X."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidNationalId(_l("The date of birth in this ID number does not exist.")) from None
    if born > clock.today() or born.year < 1900:
        raise InvalidNationalId(_l("The date of birth in this ID number is not plausible."))
    if check_digit(number[:17]) != number[17]:
        raise InvalidNationalId(_l("The last character (check digit) does not match: please check the number."))
    return number


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except InvalidNationalId:
        return False
    return True
