"""The Simplified Chinese catalog is complete, consistent and up to date.

Pure file checks: no app, no database. When a test here fails after you add or
change a user-facing string, run ``make messages`` (pybabel extract + update),
translate the new entries in core/jifen/translations/zh_Hans_CN/LC_MESSAGES/messages.po,
then ``make translations`` (pybabel compile).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
ZH_PO = ROOT / "core" / "jifen" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"

# %(name)s, %(n)d, %(x).2f ... (Python named %-formatting, as used by Flask-Babel).
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _forms(value) -> tuple[str, ...]:
    """A message id or string as a tuple of its forms (plural entries have several)."""
    if isinstance(value, (tuple, list)):
        return tuple(v or "" for v in value)
    return (value or "",)


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def zh_catalog():
    return _read(ZH_PO)


def _entries(catalog):
    return [m for m in catalog if m.id]


def test_catalog_is_not_empty(zh_catalog):
    assert _entries(zh_catalog), f"{ZH_PO} holds no message"


def test_every_message_is_translated_and_not_fuzzy(zh_catalog):
    untranslated = [m.id for m in _entries(zh_catalog) if not all(s.strip() for s in _forms(m.string))]
    fuzzy = [m.id for m in _entries(zh_catalog) if m.fuzzy]
    assert not untranslated, "Untranslated in zh_Hans_CN:\n" + "\n".join(map(repr, untranslated))
    assert not fuzzy, "Fuzzy in zh_Hans_CN (check, then remove the fuzzy flag):\n" + "\n".join(map(repr, fuzzy))


def test_placeholders_are_kept(zh_catalog):
    problems = []
    for m in _entries(zh_catalog):
        wanted = set()
        for form in _forms(m.id):
            wanted |= set(PLACEHOLDER.findall(form))
        for string in _forms(m.string):
            got = set(PLACEHOLDER.findall(string))
            if wanted - got:
                problems.append(f"{m.id!r}: msgstr {string!r} lacks {sorted(wanted - got)}")
            if got - wanted:
                problems.append(f"{m.id!r}: msgstr {string!r} has unknown {sorted(got - wanted)}")
    assert not problems, "Placeholder mismatch in zh_Hans_CN:\n" + "\n".join(problems)


def test_catalog_is_up_to_date_with_the_sources(tmp_path, zh_catalog):
    pot = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
            "-F", "core/jifen/babel.cfg", "-k", "_l", "-k", "lazy_gettext",
            "-o", str(pot), "core", "plugins",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stdout}\n{result.stderr}"
    extracted = _entries(_read(pot))
    assert extracted, "pybabel extract found no message in core/ and plugins/"

    known = {m.id for m in _entries(zh_catalog)}
    missing = sorted({m.id for m in extracted if m.id not in known}, key=str)
    assert not missing, (
        "Strings in the sources but not in the zh_Hans_CN catalog "
        "(run `make messages` and translate them):\n" + "\n".join(map(repr, missing))
    )
