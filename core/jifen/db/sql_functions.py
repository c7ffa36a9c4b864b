"""SQL functions the ranking needs, spelled for each database, so one statement runs on both.

* ``Lottery(seed, id)``: the first 15 hex digits of SHA-256 of ``"<seed>:<id>"`` as an integer,
  the same number as :func:`lottery_number` computes in Python.
* ``AppliedValue(applied_at, origin)``: minus the seconds from ``origin`` to ``applied_at``,
  rounded half-up to hundredths and clamped to what ``NUMERIC(10, 2)`` holds (earlier ranks first).

PostgreSQL computes both natively (``sha256``, exact ``numeric`` epochs); SQLite calls the Python
functions below, registered on every connection by :func:`register_sqlite_functions`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import BigInteger, Numeric

CENT = Decimal("0.01")
TB_LIMIT = Decimal("99999999.99")


def lottery_number(seed: int, program_application_id: int) -> int:
    return int(hashlib.sha256(f"{seed}:{program_application_id}".encode()).hexdigest()[:15], 16)


def applied_value(applied_at: datetime, origin: datetime) -> Decimal:
    # str() of the float seconds is the exact microsecond value (at most 13 significant digits).
    value = Decimal(str(-(applied_at - origin).total_seconds())).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(-TB_LIMIT, min(TB_LIMIT, value))


class Lottery(FunctionElement):
    type = BigInteger()
    inherit_cache = True
    name = "jifen_lottery"


class AppliedValue(FunctionElement):
    type = Numeric(10, 2)
    inherit_cache = True
    name = "jifen_applied_value"


@compiles(Lottery)
def _lottery_default(element, compiler, **kw):
    return f"jifen_lottery({compiler.process(element.clauses, **kw)})"


@compiles(Lottery, "postgresql")
def _lottery_pg(element, compiler, **kw):
    seed, key = (compiler.process(c, **kw) for c in element.clauses)
    text = f"CAST({seed} AS TEXT) || ':' || CAST({key} AS TEXT)"
    return f"CAST(CAST('x' || substr(encode(sha256(convert_to({text}, 'UTF8')), 'hex'), 1, 15) AS BIT(60)) AS BIGINT)"


@compiles(AppliedValue)
def _applied_default(element, compiler, **kw):
    return f"jifen_applied_value({compiler.process(element.clauses, **kw)})"


@compiles(AppliedValue, "postgresql")
def _applied_pg(element, compiler, **kw):
    applied_at, origin = (compiler.process(c, **kw) for c in element.clauses)
    seconds = f"(EXTRACT(EPOCH FROM {applied_at}) - EXTRACT(EPOCH FROM CAST({origin} AS TIMESTAMP)))"
    return f"GREATEST(-{TB_LIMIT}, LEAST({TB_LIMIT}, ROUND(-{seconds}, 2)))"


def _sqlite_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _sqlite_lottery(seed, program_application_id):
    return lottery_number(int(seed), int(program_application_id))


def _sqlite_applied_value(applied_at, origin):
    if applied_at is None or origin is None:
        return None
    return float(applied_value(_sqlite_datetime(applied_at), _sqlite_datetime(origin)))


def register_sqlite_functions(dbapi_connection) -> None:
    dbapi_connection.create_function("jifen_lottery", 2, _sqlite_lottery, deterministic=True)
    dbapi_connection.create_function("jifen_applied_value", 2, _sqlite_applied_value, deterministic=True)
