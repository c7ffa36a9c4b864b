"""``jifen exchange``: import a department's verification results from a spreadsheet; export queues and lists."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from jifen import clock
from jifen.county.context import current_county

from jifen.programs import publication
from jifen.cli.binding import county, session
from jifen.exchange import exports, verifications
from jifen.exchange.spreadsheets import csv_chunks, write_xlsx
from jifen.identity import accounts
from jifen.models import ProgramRound, RankingRun
from jifen.county.tenancy import require_tenant

group = click.Group("exchange", help="Spreadsheets: import verification results; export review queues and published lists.")
export_group = click.Group("export", help="Export a department's review queue or a published list as CSV or XLSX.")
group.add_command(export_group)

county_option = click.option("--county", "--tenant", "tenant_slug", required=True, metavar="SLUG",
                             help="The county's slug (its folder name under tenants/).")
format_option = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
                             help="Default: from the output file's extension, else csv.")
output_option = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help="The file to write (default: standard output, CSV only).")


def _department(name: str) -> str:
    known = accounts.departments()
    if name not in known:
        raise click.ClickException(f"{require_tenant().slug}: no department {name!r} "
                                   f"(this county has: {', '.join(sorted(known)) or 'none'})")
    return name


@group.command("import-verifications", short_help="Import a department's decisions from a CSV or XLSX file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@county_option
@click.option("--department", required=True, help="The department whose decisions the file holds.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; write nothing.")
@click.option("--skip-bad-rows", is_flag=True, help="Apply the good rows and report the bad ones "
                                                    "(default: one bad row means nothing is written).")
@click.option("--actor", "actor_name", default=None, metavar="NAME",
              help="The clerk the audit trail names, as cli:NAME (default: cli).")
@with_appcontext
def import_verifications(file: Path, tenant_slug: str, department: str, dry_run: bool, skip_bad_rows: bool,
                         actor_name: str | None):
    """Apply the decisions in FILE (the department's review queue as exported, with the decision and
    reason columns filled in), all in one transaction, exactly as a reviewer would on the item's page.

    Every bad row is reported as "line N: reason" (line 1 is the header). Exit status 1 when nothing
    was (or, with --dry-run, would be) written because of the file or a bad row.
    """
    if file.stat().st_size > verifications.MAX_BYTES:
        raise click.ClickException(f"{file} is larger than {verifications.MAX_BYTES // (1024 * 1024)} MB: "
                                   "split it into several files")
    actor = f"cli:{actor_name.strip()[:80]}" if actor_name and actor_name.strip() else "cli"
    db = session()
    with county(tenant_slug) as tenant:
        department = _department(department)
        report = verifications.run_import(db, current_county(db).hooks, file.read_bytes(),
                                          file_name=file.name, department=department, actor=actor,
                                          dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    for problem in report.problems():
        click.echo(problem, err=True)
    if report.file_error is not None:
        raise click.exceptions.Exit(1)
    label = {k: str(v) for k, v in verifications.DECISION_LABELS.items()}
    for row in report.good_rows if dry_run else report.applied_rows:
        if dry_run:
            note = ", the application's last open item: its points would be confirmed" if row.completes else ""
            click.echo(f"line {row.line}: item #{row.item_id} would be {label[row.decision]}{note}")
        else:
            note = f", points confirmed: {row.confirmed_total}" if row.confirmed_total is not None else ""
            click.echo(f"line {row.line}: item #{row.item_id} {label[row.decision]}{note}")
    counts = (f"{len(report.rows)} rows with a decision, {len(report.bad_rows)} bad, "
              f"{len(report.undecided)} left undecided; file SHA-256 {report.sha256}")
    if report.written:
        click.echo(f"{tenant.slug}: {len(report.applied_rows)} decisions recorded for {department} ({counts})")
    elif dry_run and not report.blocked:
        click.echo(f"{tenant.slug}: dry run, nothing written: {len(report.good_rows)} decisions would be "
                   f"recorded ({counts})")
    else:
        click.echo(f"{tenant.slug}: nothing written ({counts})" + (
            "; correct the bad rows, or use --skip-bad-rows" if report.blocked else ""), err=True)
        if report.blocked:
            raise click.exceptions.Exit(1)


@group.command("import-scores", short_help="Import a round's own scores (an exam's) from a CSV or XLSX file.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@county_option
@click.option("--round", "round_id", type=int, required=True, help="The round whose applications the scores are for.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; write nothing.")
@click.option("--actor", "actor_name", default=None, metavar="NAME",
              help="The clerk the audit trail names, as cli:NAME (default: cli).")
@with_appcontext
def import_scores(file: Path, tenant_slug: str, round_id: int, dry_run: bool, actor_name: str | None):
    """Record the scores in FILE (reference number or ID number, and score) on the applications of
    the round, all or nothing, for a program that ranks by a score of its own plus points.

    Every bad line is reported as "line N: reason" (line 1 is the header). Exit status 1 when nothing
    was (or, with --dry-run, would be) written because of the file or a bad line.
    """
    from jifen.exchange import program_scores
    from jifen.programs import rounds as programs

    actor = f"cli:{actor_name.strip()[:80]}" if actor_name and actor_name.strip() else "cli"
    db = session()
    with county(tenant_slug) as tenant:
        found = db.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        program = programs.programs(db).get(found.program_key) if found is not None else None
        if program is None:
            raise click.ClickException(f"{tenant.slug}: no round {round_id} of an enabled program")
        report = program_scores.run_import(db, found, program, file.read_bytes(), file_name=file.name, actor=actor,
                                           dry_run=dry_run)
    for problem in report.problems():
        click.echo(problem, err=True)
    if report.file_error is not None:
        raise click.exceptions.Exit(1)
    for row in report.changed_rows:
        after = "absent" if row.absent else row.score
        click.echo(f"line {row.line}: {row.reference} {row.before if row.before is not None else '-'} -> {after}"
                   + (" (would be recorded)" if dry_run else ""))
    counts = (f"{len(report.rows)} lines with a score, {len(report.bad_rows)} bad, {len(report.blank)} without a "
              f"score; file SHA-256 {report.sha256}")
    if report.written:
        click.echo(f"{tenant.slug}: {len(report.changed_rows)} scores recorded in round {round_id} ({counts})")
    elif not report.blocked:
        click.echo(f"{tenant.slug}: nothing written: {len(report.changed_rows)} scores "
                   f"{'would be recorded' if dry_run else 'changed'} ({counts})")
    else:
        click.echo(f"{tenant.slug}: nothing written ({counts}); correct the bad lines", err=True)
        raise click.exceptions.Exit(1)


@group.command("import-onboarding", short_help="Import a county's existing registrants, items, family and applications.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@county_option
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be created; write nothing.")
@click.option("--actor", "actor_name", default=None, metavar="NAME",
              help="The clerk the audit trail names, as cli:NAME (default: cli).")
@with_appcontext
def import_onboarding(files: tuple[Path, ...], tenant_slug: str, dry_run: bool, actor_name: str | None):
    """Import FILES: one Excel workbook with the sheets registrants, confirmed items, family and applications
    (登记人, 已确认事项, 家庭成员, 项目申请), or CSV files named after those sheets (docs/onboarding.md).

    Every bad line is reported as "<sheet>, line N: reason"; one bad line means nothing is written.
    Exit status 1 when nothing was (or, with --dry-run, would be) written because of a bad line.
    """
    from jifen.exchange import onboarding

    actor = f"cli:{actor_name.strip()[:80]}" if actor_name and actor_name.strip() else "cli"
    db = session()
    with county(tenant_slug) as tenant:
        report = onboarding.run_import(db, [(f.name, f.read_bytes()) for f in files], actor=actor, dry_run=dry_run)
    for problem in report.problems():
        click.echo(problem, err=True)
    for person in report.registrants:
        points = f"{person.total} points from {person.items} items" if person.total is not None else "no items"
        click.echo(f"registrants line {person.line}: {person.name} {person.id_number}, {points}, "
                   f"{person.family} family members, applications {', '.join(person.applications) or '-'}")
    totals = report.totals
    counts = (f"{totals['registrants']} registrants, {totals['items']} confirmed items, {totals['family']} family "
              f"members, {totals['applications']} program applications; file SHA-256 {report.sha256}")
    if report.written:
        click.echo(f"{tenant.slug}: imported {counts}")
    elif not report.blocked:
        click.echo(f"{tenant.slug}: dry run, nothing written: would import {counts}")
    else:
        click.echo(f"{tenant.slug}: nothing written ({len(report.bad_rows)} bad lines); correct them and "
                   "check the file again", err=True)
        raise click.exceptions.Exit(1)


def _write(rows, fmt: str, output: Path | None, title: str, widths: dict | None = None) -> None:
    if fmt == "xlsx":
        if output is None:
            raise click.ClickException("an XLSX export needs --output FILE")
        with open(output, "wb") as out:
            write_xlsx(rows, out, title=title, widths=widths)
    elif output is None:
        out = sys.stdout.buffer
        for chunk in csv_chunks(rows):
            out.write(chunk)
        out.flush()
    else:
        with open(output, "wb") as out:
            for chunk in csv_chunks(rows):
                out.write(chunk)


def _format(fmt: str | None, output: Path | None) -> str:
    if fmt:
        return fmt
    return "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"


@export_group.command("queue", short_help="A department's review queue (the file to fill in and import back).")
@county_option
@click.option("--department", required=True, help="The department whose queue to export.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the column names and item names.")
@format_option
@output_option
@with_appcontext
def export_queue(tenant_slug: str, department: str, lang: str, fmt: str | None, output: Path | None):
    """The items waiting for DEPARTMENT, soonest due first (at most the import's row limit), with
    empty decision and reason columns. Applicants' names are masked."""
    db = session()
    fmt = _format(fmt, output)
    with county(tenant_slug) as tenant:
        department = _department(department)
        rows, more = exports.queue_rows(db, department, lang=lang)
        _write(rows, fmt, output, department, exports.QUEUE_WIDTHS)
    message = f"{tenant.slug}: {len(rows) - 1} waiting items of {department} exported ({clock.today().isoformat()})"
    if more:
        message += "; more are waiting: export again once these are decided"
    click.echo(message, err=True)


@export_group.command("list", short_help="A round's published list (masked), headed by its digest.")
@county_option
@click.argument("round_id", type=int)
@format_option
@output_option
@with_appcontext
def export_list(tenant_slug: str, round_id: int, fmt: str | None, output: Path | None):
    """The latest published list of ROUND_ID with names and ID numbers masked, as on the portal."""
    db = session()
    fmt = _format(fmt, output)
    with county(tenant_slug) as tenant:
        found = db.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        latest = publication.latest(db, found) if found is not None else None
        if latest is None:
            raise click.ClickException(f"{tenant.slug}: round {round_id} has no published list")
        run = db.get(RankingRun, (found.tenant_id, latest.run_id))
        _write(exports.list_rows(db, latest, run), fmt, output, str(run.id), {4: 22, 5: 10, 6: 22})
    click.echo(f"{tenant.slug}: {latest.stage} list of round {round_id} exported (run {run.id}, sha256 {run.digest})",
               err=True)
