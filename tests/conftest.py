"""The fixtures come from Jifen's test kit, jifen.testing.pytest_plugin, which pytest loads through
the jifen distribution's ``pytest11`` entry point (the same way a plugin's own tests get it).

Here what the core's own tests need beyond the kit: installing distributions for one test, a
hand-ranked round, and tampering with a finished ranking run as the database owner would.
"""

from __future__ import annotations

import importlib

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# Packages used as test data (a plugin as it was written before jifen.toolkit, ...): their tests run in
# their own pytest process, never in this one.
collect_ignore = ["fixtures"]

ROOT = Path(__file__).parent.parent


class SiteDir:
    """A temporary site directory: packages are pip-installed (or written by hand) into it, then it is
    put on ``sys.path`` and Jifen looks at the entry points again, as a process started now would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self.active = False

    def pip_install(self, *folders: Path) -> None:
        """``pip install --no-deps --no-build-isolation --target`` (offline: the venv has setuptools)."""
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                   "--disable-pip-version-check", "--target", str(self.path), *map(str, folders)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"

    def distribution(self, dist: str, *, entry_points: dict[str, str], modules: dict[str, str],
                     requires: tuple[str, ...] = ("jifen>=0.1,<0.2",), version: str = "1.0") -> None:
        """Write an installed distribution by hand: its metadata, entry points and module files."""
        info = self.path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        lines = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}",
                 *(f"Requires-Dist: {r}" for r in requires)]
        (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
        points = "\n".join(f"{name} = {value}" for name, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[jifen.plugins]\n{points}\n", encoding="utf-8")
        for relative, source in modules.items():
            target = self.path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")

    def activate(self) -> None:
        from jifen.plugin.manager import load_installed_plugins

        if not self.active:
            sys.path.insert(0, str(self.path))
            self.active = True
        importlib.invalidate_caches()
        load_installed_plugins(rescan=True)

    def env(self) -> dict[str, str]:
        """The environment of a subprocess that should see these packages (and this checkout's jifen)."""
        return dict(os.environ, PYTHONPATH=os.pathsep.join([str(self.path), os.environ.get("PYTHONPATH", "")]))

    def entry_point_names(self) -> list[str]:
        names = []
        for points in self.path.glob("*.dist-info/entry_points.txt"):
            in_group = False
            for line in points.read_text(encoding="utf-8").splitlines():
                if line.startswith("["):
                    in_group = line.strip() == "[jifen.plugins]"
                elif in_group and "=" in line:
                    names.append(line.split("=", 1)[0].strip())
        return names

    def remove(self) -> None:
        from jifen.plugin.manager import forget_plugin

        for name in self.entry_point_names():
            forget_plugin(name)
        if self.active:
            sys.path.remove(str(self.path))
        for module_name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", "") or "").startswith(str(self.path)):
                del sys.modules[module_name]
        importlib.invalidate_caches()


@pytest.fixture
def site_dir(tmp_path):
    """A :class:`SiteDir` for this test; its plugins are forgotten and its modules dropped afterwards."""
    site = SiteDir(tmp_path / "site")
    yield site
    site.remove()


@pytest.fixture
def core_fingerprint():
    """``core_fingerprint()``: every file of core/ (bytecode aside) with its size and modification time."""

    def _fingerprint() -> dict[str, tuple[int, int]]:
        return {str(p.relative_to(ROOT)): (p.stat().st_size, p.stat().st_mtime_ns)
                for p in sorted((ROOT / "core").rglob("*")) if p.is_file() and "__pycache__" not in p.parts}

    return _fingerprint


@pytest.fixture
def run_plugin_tests():
    """``run_plugin_tests(folder, site, "sqlite")``: a plugin package's own tests in a new pytest process."""

    def _run(folder: Path, site: SiteDir | None, database: str) -> subprocess.CompletedProcess:
        env = site.env() if site is not None else dict(os.environ)
        env.pop("PYTEST_ADDOPTS", None)
        if "postgresql" not in database:
            env.pop("JIFEN_REQUIRE_POSTGRES", None)  # this run asks for the SQLite half only
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--jifen-databases={database}"]
        return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)

    return _run


@pytest.fixture
def tamper(app):
    """``tamper(session, sql, **values)``: change rows as the database owner would, past the triggers
    that keep a finished ranking run final (PostgreSQL: the owner in replication role; SQLite: the
    triggers dropped from this test's own copy of the database). For tests of tamper detection."""

    def change(session, statement, **values):
        session.commit()
        if session.get_bind().dialect.name == "sqlite":
            names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND name LIKE 'ranking_%_final%'")).scalars().all()
            for name in names:
                session.execute(text(f"DROP TRIGGER {name}"))
            session.execute(text(statement), values)
            session.commit()
            return
        engine = create_engine(app.config["DATABASE_OWNER_URL"])
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(statement), values)
        finally:
            engine.dispose()

    return change


HAND_RANKED_NAMES = ("陈新民", "王芳芳", "李建国", "赵德胜")


@pytest.fixture
def hand_ranked_round(county, make_user, on_day):
    """``hand_ranked_round(slug, points=..., sub_quota=..., publish=False)``: a hukou round of the county
    (window January-February 2027, or two months from the program's later start in the county; quota 2;
    today the day after the window) whose current run is made by hand, one
    applicant per points value in that order, the first two allocated; with ``publish`` its provisional
    list is published. Returns round id, program key, the users, their application numbers and the run id."""
    from datetime import date, timedelta
    from decimal import Decimal

    from jifen import references
    from jifen.programs import rounds as programs

    from jifen.programs import publication
    from jifen.models import Application, ProgramApplication, RankingResult, RankingRun

    def make(slug="jiashan", *, points=("95", "88", "80", "61"), sub_quota="魏塘街道", digest="ab" * 32,
             publish=False):
        on_day(date(2027, 3, 1))
        people = [make_user(slug, real_name=name) for name in HAND_RANKED_NAMES[:len(points)]]
        with county(slug) as session:
            program = programs.programs(session)["hukou_transfer"]
            # A county whose program starts later (Haining) gets the same two-month window from its start.
            opens_on = max(date(2027, 1, 1), programs.start_date(session, program) or date(2027, 1, 1))
            closes_on = opens_on + timedelta(days=58)
            on_day(closes_on + timedelta(days=1))
            found = programs.create_round(session, program, {"name": "2027 第一批", "opens_on": opens_on.isoformat(),
                                                             "closes_on": closes_on.isoformat(), "quota": 2},
                                          actor="test")
            run = RankingRun(round_id=found.id, seed=7, digest=digest, input_count=len(points), allocated_count=2,
                             cutoff=Decimal(points[1]), is_current=True, actor="test")
            session.add(run)
            session.flush()
            numbers, reference_numbers = [], []
            for position, (person, value) in enumerate(zip(people, points), start=1):
                session.add(Application(user_id=person.id, status="confirmed", total_points=value))
                entry = ProgramApplication(reference=references.next_reference(session), round_id=found.id,
                                           user_id=person.id, sub_quota=sub_quota)
                session.add(entry)
                session.flush()
                numbers.append(entry.id)
                reference_numbers.append(entry.reference)
                session.add(RankingResult(run_id=run.id, program_application_id=entry.id, position=position,
                                          sub_quota=sub_quota, sub_position=position, points=Decimal(value),
                                          outcome="allocated" if position <= 2 else "waitlisted",
                                          allocation_round=1 if position <= 2 else None))
            session.flush()
            if publish:
                publication.publish_provisional(session, found, program, actor="test")
            session.commit()
            return {"round": found.id, "program": "hukou_transfer", "people": people, "numbers": numbers,
                    "references": reference_numbers, "run": run.id}

    return make


@pytest.fixture
def save_points_table():
    """``save_points_table(admin_client, "<slug>", "<item key>", form)``: the rules page's way to save, through its
    preview: the form is previewed (a job, inline here), then saved from the preview's page. Returns the
    preview's job page response; the save's response is its ``.saved``."""
    import re

    def _save(client, slug: str, key: str, form: dict):
        preview = client.submit(f"/{slug}/admin/rules/{key}", form)
        assert preview.status_code == 302, preview.get_data(as_text=True)[:2000]
        job_page = preview.headers["Location"]
        page = client.get(job_page)
        assert 'data-job-state="finished"' in page.get_data(as_text=True)
        action = re.search(r'action="([^"]+/rules/previews/\d+/save)"', page.get_data(as_text=True)).group(1)
        page.saved = client.submit(action, {}, form_page=job_page)
        return page

    return _save
