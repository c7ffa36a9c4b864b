"""Reference numbers people read aloud, type and say on the phone: ``JS-2027-000123``.

The county's prefix (``reference_prefix`` in its tenant.toml, else the first two letters of its short
name), the year on the platform's clock, and a number: one sequence per county and year, shared by points
applications, program applications and objections, so that a number names one thing in its county. A
number is given in the transaction that makes the thing (submitting, applying, objecting); the counter's
row is locked on PostgreSQL, and SQLite has one writer. Internal ids never reach a person.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from jifen import clock
from jifen.county.tenancy import TenantRef, require_tenant
from jifen.models import ReferenceCounter

PREFIX = re.compile(r"^[A-Z]{2,4}$")
PATTERN = re.compile(r"^[A-Z]{2,4}-\d{4}-\d{6,}$")
# What people type instead of '-': spaces, full-width and other dashes.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d_/.]+")


def prefix_of(tenant: TenantRef | None = None) -> str:
    tenant = tenant or require_tenant()
    chosen = str((tenant.settings or {}).get("reference_prefix") or "").strip().upper()
    return chosen if PREFIX.match(chosen) else re.sub(r"[^A-Z]", "", tenant.slug.upper())[:2].ljust(2, "X")


def formatted(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def next_reference(session: Session) -> str:
    """The county's next number this year (the caller's transaction keeps it, or rolls it back with the rest)."""
    tenant = require_tenant()
    year = clock.today().year
    counter = session.get(ReferenceCounter, (tenant.id, year), with_for_update=True)
    if counter is None:
        counter = ReferenceCounter(year=year, last=0)
        session.add(counter)
    counter.last += 1
    session.flush()
    return formatted(prefix_of(tenant), year, counter.last)


def normalized(text: str | None) -> str | None:
    """What a person typed (``js 2027 123``, ``JS－2027－000123``) as a reference number, or None."""
    parts = [p for p in _SEPARATORS.split((text or "").strip().upper()) if p]
    if len(parts) == 1 and re.fullmatch(r"[A-Z]{2,4}\d{4}\d{6,}", parts[0]):
        word = parts[0]
        letters = re.match(r"[A-Z]+", word).group(0)  # type: ignore[union-attr]
        parts = [letters, word[len(letters):len(letters) + 4], word[len(letters) + 4:]]
    if len(parts) != 3 or not PREFIX.match(parts[0]) or not re.fullmatch(r"\d{4}", parts[1]) \
            or not parts[2].isdigit() or not parts[2].isascii():
        return None
    return formatted(parts[0], int(parts[1]), int(parts[2]))
