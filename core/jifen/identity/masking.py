"""Masking personal data for public pages, staff views and log records: 张*明, 3304**********123X, 139****5678."""

from __future__ import annotations

import logging
import re

from jifen.identity.national_id import is_valid, normalize


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


# --------------------------------------------------------------------------- log records

_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")


def mask_text(text: str) -> str:
    """``text`` with every national ID number and mobile number in it masked."""
    # Only numbers that are ID numbers (birth date and check digit), not the platform's 18-digit row ids.
    ids = _ID_NUMBER.sub(lambda m: mask(m.group(0)) if is_valid(m.group(0)) else m.group(0), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group(0)), ids)


_installed = False


def mask_personal_data_in_logs() -> None:
    """Every log record of the process, ours and the libraries' (a database error quoting a row), is made
    with its ID and mobile numbers masked: the record factory masks the message once it is formatted."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def masked_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose arguments do not fit stays as it is
            return record
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    logging.setLogRecordFactory(masked_record)
