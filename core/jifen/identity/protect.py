"""Personal data at rest: encryption (Fernet) and keyed hashes for look-up (HMAC-SHA256).

Both keys are derived with HKDF from JIFEN_DATA_KEY (or SECRET_KEY when that is unset), so that
the database alone reveals no ID number, and equal numbers can still be found by their hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _derive(master: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jifen-personal-data", info=purpose).derive(
        master.encode()
    )


@lru_cache(maxsize=8)
def _keys(master: str) -> tuple[Fernet, bytes]:
    fernet = Fernet(base64.urlsafe_b64encode(_derive(master, b"encrypt")))
    return fernet, _derive(master, b"lookup-hash")


def _master() -> str:
    return current_app.config.get("JIFEN_DATA_KEY") or current_app.config["SECRET_KEY"]


def encrypt(value: str) -> bytes:
    return _keys(_master())[0].encrypt(value.encode())


def decrypt(token: bytes) -> str:
    return _keys(_master())[0].decrypt(token).decode()


def lookup_hash(value: str) -> str:
    return hmac.new(_keys(_master())[1], value.encode(), hashlib.sha256).hexdigest()
