"""Masking personal data for public pages, staff views and logs: 张*明, 3304**********123X, 139****5678."""

from __future__ import annotations

from jifen.identity.national_id import normalize


def mask(number: str) -> str:
    """3304**********123X: region prefix and last four kept, as on the schemes' published lists."""
    number = normalize(number)
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """张*明 for three characters, 李* for two: the first and (for three or more) the last are kept."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobile(mobile: str) -> str:
    mobile = (mobile or "").strip()
    if len(mobile) != 11:
        return "*" * len(mobile)
    return mobile[:3] + "****" + mobile[-4:]
