"""The example external plugin, examples/jifen-sanitation-bonus: installed into the test environment
from its own folder (make install), enabled for one demo county, declared, verified and ranked; its
own tests pass."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path

import pytest
from sqlalchemy import select

from jifen.models import ProgramApplication, RankingResult

EXAMPLE = Path(__file__).parent.parent / "examples" / "jifen-sanitation-bonus"
# The same plugin as it stood before jifen.toolkit: imports from jifen.hookspecs, jifen.plugin_kinds and
# jifen.plugin_i18n (copied unchanged; the old names must keep working for the 0.1 series).
LEGACY = Path(__file__).parent / "fixtures" / "legacy_sanitation_bonus"


class LegacySite:
    def __init__(self, path: Path) -> None:
        self.path = path

    def pip_install(self, folder: Path) -> None:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                               "--disable-pip-version-check", "--target", str(self.path), str(folder)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr

    def env(self) -> dict[str, str]:
        return dict(os.environ, PYTHONPATH=os.pathsep.join([str(self.path), os.environ.get("PYTHONPATH", "")]))
DEGREE = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-07-01"}  # 80 in Jiashan
HOUSING = {"household_income": "30000", "floor_area_per_person": "8", "household_size": "3"}


def test_it_is_installed_from_its_own_folder():
    found = [ep for ep in entry_points(group="jifen.plugins") if ep.name == "sanitation_bonus"]
    assert found, "examples/jifen-sanitation-bonus is not installed: run make install"
    assert found[0].dist.metadata["Name"] == "jifen-sanitation-bonus"
    import jifen_sanitation_bonus

    assert Path(jifen_sanitation_bonus.__file__).resolve().is_relative_to(EXAMPLE.resolve())  # editable
    assert distribution("jifen-sanitation-bonus").requires == ["jifen<0.2,>=0.1"]  # the core versions it supports


def test_no_demo_county_has_it_until_one_enables_it(client):
    for slug in ("jiashan", "haining"):
        assert "环卫工人加分" not in client.get(f"/{slug}/").get_data(as_text=True)


@pytest.mark.with_plugins("sanitation_bonus", county="jiashan")
def test_enabled_in_jiashan_a_sanitation_worker_is_ranked_ahead_of_an_equal_applicant(
        client, client_as, county, applicant_with_points, cli, open_round):
    assert "环卫工人加分" in client.get("/jiashan/").get_data(as_text=True)
    assert "环卫工人加分" not in client.get("/haining/").get_data(as_text=True)

    round_id = open_round("jiashan", "public_rental_housing", quota=1, name="2026 公租房")
    graduate = applicant_with_points("jiashan", {"education": DEGREE})
    worker = applicant_with_points("jiashan", {"education": DEGREE,
                                               "sanitation_bonus": {"years": 7, "employer": "嘉善县环境卫生管理处"}})
    assert worker.total_points == graduate.total_points + 14  # 10 at five years, 2 for each of two more
    for person in (graduate, worker):
        response = client_as(person).submit("/jiashan/programs/public_rental_housing/apply", HOUSING,
                                            form_page="/jiashan/programs/public_rental_housing")
        assert response.status_code == 302

    result = cli("ranking", "run", "--tenant", "jiashan", str(round_id), "--seed", "5")
    assert result.exit_code == 0, result.output
    with county("jiashan") as session:
        application_of = dict(session.execute(select(ProgramApplication.user_id, ProgramApplication.id)).all())
        ranked = dict(session.execute(select(RankingResult.program_application_id,
                                             RankingResult.position)).all())
        outcome = dict(session.execute(select(RankingResult.program_application_id, RankingResult.outcome)).all())
    assert ranked[application_of[worker.id]] == 1 and outcome[application_of[worker.id]] == "allocated"
    assert ranked[application_of[graduate.id]] == 2 and outcome[application_of[graduate.id]] == "waitlisted"


@pytest.mark.slow
def test_its_own_tests_pass(app, run_plugin_tests):
    done = run_plugin_tests(EXAMPLE, None, app.config["JIFEN_DB_KIND"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", done.stdout) and " failed" not in done.stdout


@pytest.mark.slow
def test_the_plugin_as_written_before_the_toolkit_installs_and_passes_its_own_tests(app, run_plugin_tests, tmp_path):
    folder = tmp_path / "legacy_sanitation_bonus"
    shutil.copytree(LEGACY, folder)
    assert "from jifen.plugin_kinds import" in (folder / "jifen_sanitation_bonus" / "settings.py").read_text()
    # Installed into a folder of its own that only its test process sees: this process keeps the example
    # plugin of the same name (a site_dir fixture would forget it afterwards).
    site = LegacySite(tmp_path / "site")
    site.pip_install(folder)
    done = run_plugin_tests(folder, site, app.config["JIFEN_DB_KIND"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", done.stdout) and " failed" not in done.stdout
    # Its author is told where each old name went.
    assert "jifen.plugin_kinds.ItemSettings has moved: use jifen.toolkit.ItemSettings" in done.stdout
