"""``jifen plugin check NAME``: one line per check, passed or failed with the reason; a failure exits
non-zero. Good plugins pass; deliberately broken ones fail the check that names their fault."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

import pytest

from jifen.scaffold import generate

CHECKS = ("installed", "core version", "import", "hooks", "declarations", "settings", "forms", "migrations",
          "templates", "messages")
MIGRATION = '''
import sqlalchemy as sa
from alembic import op

revision = "probe_0001"
down_revision = None
branch_labels = ("probe",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table("{table}", sa.Column("tenant_id", sa.Integer(), nullable=False),
                    sa.Column("id", sa.BigInteger(), nullable=False), sa.PrimaryKeyConstraint("tenant_id", "id"))


def downgrade() -> None:
    {downgrade}
'''
WITH_MIGRATIONS = '''

from pathlib import Path


@hookimpl
def register_migrations():
    return Path(__file__).parent / "migrations"
'''


def lines(output: str) -> dict[str, tuple[bool, str]]:
    found = {}
    for line in output.splitlines():
        match = re.match(r"^(ok|FAIL) +(.+?)  +(.*)$", line)
        if match and match.group(2) in CHECKS:
            found[match.group(2)] = (match.group(1) == "ok", match.group(3))
    return found


@pytest.fixture
def scaffold_files(tmp_path) -> dict[str, str]:
    """The files of the package "probe" as ``jifen plugin new probe --kind program`` writes it."""
    folder = generate("probe", "program", tmp_path / "src")
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in (folder / "jifen_probe").rglob("*") if p.is_file()}


@pytest.fixture
def item_scaffold_files(tmp_path) -> dict[str, str]:
    """The files of "probe" as ``jifen plugin new probe --kind score-item`` writes it."""
    folder = generate("probe", "score-item", tmp_path / "item-src")
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in (folder / "jifen_probe").rglob("*") if p.is_file()}


@pytest.fixture
def probe(site_dir, scaffold_files, item_scaffold_files):
    """``probe(change, requires=..., kind="program")``: install "probe" by hand into the test's site
    directory, after ``change(files)`` altered its files (a dict of path -> text)."""

    def _install(change=None, requires=("jifen>=0.1,<0.2",), kind="program"):
        files = dict(scaffold_files if kind == "program" else item_scaffold_files)
        if change is not None:
            change(files)
        site_dir.distribution("jifen-probe", entry_points={"probe": "jifen_probe"}, modules=files,
                              requires=requires)
        site_dir.activate()

    return _install


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", sorted(ep.name for ep in entry_points(group="jifen.plugins")
                                        if ep.dist and ep.dist.metadata["Name"] == "jifen"))
def test_every_built_in_plugin_passes(cli, name):
    result = cli("plugin", "check", name)
    assert result.exit_code == 0, result.output
    assert set(lines(result.output)) == set(CHECKS)
    assert lines(result.output)["core version"] == (True, "built into jifen 0.1.0")


@pytest.mark.sqlite_only
def test_the_example_plugin_passes_every_check(cli):
    result = cli("plugin", "check", "sanitation_bonus")
    assert result.exit_code == 0, result.output
    found = lines(result.output)
    assert all(ok for ok, _ in found.values()) and set(found) == set(CHECKS)
    assert found["core version"][1].startswith("supports jifen")
    assert found["templates"][1].startswith("item.html renders in Chinese and English")
    assert found["messages"][1].startswith("7 messages, all in its zh_Hans_CN and en catalogues")
    assert result.output.rstrip().endswith("sanitation_bonus passes every check")


@pytest.mark.sqlite_only
def test_a_package_as_written_by_plugin_new_passes(cli, probe):
    probe()
    result = cli("plugin", "check", "probe")
    assert result.exit_code == 0, result.output
    assert lines(result.output)["settings"] == (True, "defaults validate: max_household_size=6, offer_days=10, "
                                                      "start_on=None")


@pytest.mark.sqlite_only
def test_an_unknown_name_fails_with_the_installed_ones(cli):
    result = cli("plugin", "check", "no_such_plugin")
    assert result.exit_code == 1
    ok, detail = lines(result.output)["installed"]
    assert not ok and "no entry point 'no_such_plugin'" in detail and "education" in detail


def replace(path: str, old: str, new: str):
    def change(files):
        assert old in files[path], f"{old!r} is not in the scaffold's {path}"
        files[path] = files[path].replace(old, new)
    return change


def append(path: str, text: str):
    def change(files):
        files[path] += text
    return change


ROWS_WITHOUT_LABELS = """
    bands = ma.fields.List(ma.fields.Nested(type("Band", (ma.Schema,), {"low": ma.fields.Integer()})),
                           load_default=list, metadata={"label": {"zh": "分档", "en": "Bands"}})
"""
UNNAMED_CHOICE = """
    rule = ma.fields.String(load_default="loose", validate=ma.validate.OneOf(("loose", "strict")), metadata={
        "label": {"zh": "规则", "en": "Rule"}, "choices": {"loose": {"zh": "宽松", "en": "Loose"}}})
"""


def write(path: str, text: str):
    def change(files):
        files[path] = text
    return change


def migration(table: str, downgrade: str):
    def change(files):
        files["jifen_probe/migrations/probe_0001.py"] = MIGRATION.format(table=table, downgrade=downgrade)
        files["jifen_probe/__init__.py"] += WITH_MIGRATIONS
    return change


INIT, SETTINGS = "jifen_probe/__init__.py", "jifen_probe/settings.py"
TEMPLATE, ZH = "jifen_probe/templates/program.html", "jifen_probe/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
V = "jifen>=0.1,<0.2"
BROKEN = {  # requires, change, the failing check, its reason
    "no-version": ((), None, "core version", "jifen-probe declares no Jifen versions: add a range"),
    "other-version": (("jifen>=2,<3",), None, "core version",
                      "jifen-probe supports jifen<3,>=2, but this is jifen 0.1.0; it is refused at start-up"),
    "import-error": ((V,), write(SETTINGS, "import jifen.no_such_module\n"), "import",
                     "jifen_probe raises on import: ModuleNotFoundError"),
    "misspelt-hook": ((V,), replace(INIT, "def register_service_programs():", "def register_service_program():"),
                      "hooks", "implements hooks that do not exist: register_service_program"),
    "extra-argument": ((V,), replace(INIT, "def register_service_programs():",
                                     "def register_service_programs(tenant):"), "hooks",
                       "hook 'register_service_programs'"),
    "wrong-kind": ((V,), replace(INIT, "return [PROGRAM]", "return [PROGRAM.names]"), "declarations",
                   "register_service_programs() must return ServiceProgram objects, not dict"),
    "taken-key": ((V,), replace(INIT, 'key="probe"', 'key="school_enrollment"'), "declarations",
                  "keys already taken: school_enrollment (also declared by school_enrollment)"),
    "bad-default": ((V,), replace(SETTINGS, "load_default=6", "load_default=60"), "settings",
                    "probe: the defaults do not validate: {'max_household_size'"),
    "not-program-settings": ((V,), replace(SETTINGS, "ProgramSettings", "ItemSettings"), "settings",
                             "settings_schema Settings must derive from jifen.plugin.kinds.ProgramSettings"),
    "foreign-table": ((V,), migration("other_things", "op.drop_table('other_things')"), "migrations",
                      "creates tables not named after the plugin: other_things"),
    "downgrade-leaves-table": ((V,), migration("probe_things", "pass"), "migrations",
                               "downgrading probe@base leaves ['probe_things']"),
    "template-syntax": ((V,), write(TEMPLATE, "<p>{{ _('Who may apply') }</p>\n"), "templates",
                        "program.html, line 1 does not render (zh_Hans_CN): TemplateSyntaxError"),
    "template-error": ((V,), write(TEMPLATE, "<p>{{ settings.max_household_size + 'x' }}</p>\n"), "templates",
                       "program.html, line 1 does not render (zh_Hans_CN): TypeError"),
    "message-missing": ((V,), write(TEMPLATE, "<p>{{ _('Bring your lease') }}</p>\n"), "messages",
                        "not in the Chinese catalogue: 'Bring your lease' (templates/program.html:1)"),
    "message-untranslated": ((V,), replace(ZH, 'msgstr "申请条件"', 'msgstr ""'), "messages",
                             "not translated into Chinese: 'Who may apply'"),
    "label-one-language": ((V,), replace(INIT, '"label": {"zh": "家庭人口", "en": "People in the household"}',
                                         '"label": {"zh": "家庭人口"}'), "messages",
                           "probe: field household_size needs metadata label with zh and en"),
    "settings-label-missing": ((V,), replace(SETTINGS, '"label": {"zh": "家庭人口上限", "en": "Largest household"}, ', ""),
                               "messages", "probe: settings field max_household_size needs a label in zh and en"),
    "settings-row-label-missing": ((V,), append(SETTINGS, ROWS_WITHOUT_LABELS), "messages",
                                   "probe: settings field bands[].low needs a label in zh and en"),
    "settings-choice-unnamed": ((V,), append(SETTINGS, UNNAMED_CHOICE), "messages",
                                "probe: settings field rule: choices 'strict' need names in zh and en"),
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_plugin_fails_the_check_that_names_its_fault(cli, probe, case):
    requires, change, failing, reason = BROKEN[case]
    probe(change, requires=requires)

    result = cli("plugin", "check", "probe")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exc_info)
    assert result.exit_code == 1, result.output
    found = lines(result.output)
    assert set(found) == set(CHECKS), result.output
    ok, detail = found[failing]
    assert not ok and reason in detail, result.output
    assert [check for check, (ok, _) in found.items() if not ok][0] == failing, result.output
    assert f"Error: probe fails: {failing}" in result.output


HOUSEHOLD = '''        metadata={"label": {"zh": "家庭人口", "en": "People in the household"}},
    )
'''


def notes_field(validate: str, metadata: str):
    """Add a text field ``notes`` to the probe program's application fields."""
    return replace(INIT, HOUSEHOLD, HOUSEHOLD + f'''    notes = ma.fields.String(validate={validate}, metadata={{
        "label": {{"zh": "情况说明", "en": "Notes"}}, {metadata}}})
''')


ITEM_INIT = "jifen_probe/__init__.py"
SCORE = 'return Decimal(verified["years"]) * settings["points_per_year"]'
WITH_A_DATE = '''        metadata={"label": {"zh": "年限", "en": "Years"}},
    )
    since = ma.fields.Date(required=True, metadata={"label": {"zh": "起始日期", "en": "Since"}})
'''


def item_with_a_date(score: str):
    """The probe score item gains a Date field ``since``, and its score reads it as ``score`` says."""
    def change(files):
        text = files[ITEM_INIT]
        for old, new in (
                ('        metadata={"label": {"zh": "年限", "en": "Years"}},\n    )\n', WITH_A_DATE),
                ('return {"years": rng.randint(1, 20)}', 'return {"years": rng.randint(1, 20), "since": "2020-03-01"}'),
                (SCORE, score),
                ("from decimal import Decimal", "from datetime import date\nfrom decimal import Decimal")):
            assert old in text, old
            text = text.replace(old, new)
        files[ITEM_INIT] = text
    return change


STRICTER = {  # kind, change, the failing check, its reason
    "template-removed-setting": ("program", write(TEMPLATE, "<p>{{ settings.max_household_size }}</p>\n"
                                                            "<p>{{ settings.unit_ml }} ml</p>\n"),
                                 "templates", "program.html, line 2 uses settings.unit_ml, which is undefined "
                                              "(zh_Hans_CN)"),
    "template-undefined-name": ("program", write(TEMPLATE, "<p>{{ county_hotline }}</p>\n"), "templates",
                                "program.html, line 1 uses county_hotline, which is undefined"),
    "page-template-syntax": ("program", write("jifen_probe/templates/summary.html", "<p>{{ counts }</p>\n"),
                             "templates", "summary.html, line 1 does not compile: TemplateSyntaxError"),
    "unknown-widget": ("program", notes_field("ma.validate.Length(max=200)", '"widget": "rich_text"'), "forms",
                       "probe: application_schema field notes: unknown widget 'rich_text' (known: textarea)"),
    "textarea-on-a-number": ("program", replace(INIT, '"label": {"zh": "家庭人口", "en": "People in the household"}',
                                                '"label": {"zh": "家庭人口", "en": "People in the household"}, '
                                                '"widget": "textarea"'), "forms",
                             "probe: application_schema field household_size: widget 'textarea' is for text "
                             "(String) fields"),
    "counter-without-maximum": ("program", notes_field("ma.validate.Length(min=2)", '"counter": True'), "forms",
                                "probe: application_schema field notes: a counter needs a maximum"),
    "score-returns-a-float": ("item", replace(ITEM_INIT, SCORE, 'return float(verified["years"])'), "settings",
                              "probe: score() must return a Decimal or an int, not float"),
    "score-returns-none": ("item", replace(ITEM_INIT, SCORE, "return None"), "settings",
                           "probe: score() must return a Decimal or an int, not NoneType (None)"),
    "score-reads-dates-as-strings": ("item", item_with_a_date(
        'return Decimal(date.fromisoformat(verified["since"]).year - 2000) * settings["points_per_year"]'), "settings",
        "probe: score() raises on the sample input {years: 13, since: datetime.date(2020, 3, 1)} with the defaults: "
        "TypeError"),
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("case", list(STRICTER))
def test_stricter_checks_fail_what_the_portal_would_draw_or_score_wrongly(cli, probe, case):
    kind, change, failing, reason = STRICTER[case]
    probe(change, kind=kind)

    result = cli("plugin", "check", "probe")
    assert result.exit_code == 1, result.output
    found = lines(result.output)
    ok, detail = found[failing]
    assert not ok and reason in detail, result.output
    assert [check for check, (ok, _) in found.items() if not ok][0] == failing, result.output


@pytest.mark.sqlite_only
def test_the_undefined_setting_is_named_with_the_settings_the_schema_has(cli, probe):
    probe(write(TEMPLATE, "<p>{{ settings.unit_ml }}</p>\n"))
    detail = lines(cli("plugin", "check", "probe").output)["templates"][1]
    assert detail.endswith("the settings schema has max_household_size, offer_days, start_on"), detail


@pytest.mark.sqlite_only
def test_a_pages_template_is_compiled_not_rendered_with_a_blocks_context(cli, probe):
    probe(write("jifen_probe/templates/summary.html", "<p>{{ counts.earning }}</p>\n"))
    result = cli("plugin", "check", "probe")
    assert result.exit_code == 0, result.output
    assert lines(result.output)["templates"] == (True, "program.html renders in Chinese and English; "
                                                       "page template summary.html compiles")


@pytest.mark.sqlite_only
def test_widgets_that_fit_their_fields_pass(cli, probe):
    probe(notes_field("ma.validate.Length(max=200)", '"widget": "textarea", "counter": True'))
    result = cli("plugin", "check", "probe")
    assert result.exit_code == 0, result.output
    assert lines(result.output)["forms"] == (True, "5 fields drawn; widgets on probe.notes")


@pytest.mark.sqlite_only
def test_a_score_that_takes_dates_and_returns_an_int_passes(cli, probe):
    probe(item_with_a_date('return (settings["as_of"] - verified["since"]).days // 365'), kind="item")
    result = cli("plugin", "check", "probe")
    assert result.exit_code == 0, result.output
