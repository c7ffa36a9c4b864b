"""Spreadsheets on the web: a department's queue out and its decisions back in; published lists as XLSX.

Importing is two steps. The upload is checked as a dry run (nothing is written) and the page shows
every row: what would happen, or the line and the reason it is bad. The file is kept
(:mod:`jifen.exchange.kept_uploads`) so "apply" needs no second upload, and it applies exactly the
file that was checked. A reviewer imports for one of their own departments; a county administrator
chooses any department. Another department's or county's item is "not found".
"""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort, flash, redirect, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from jifen import clock, jobs
from jifen.jobs import work as job_work
from jifen.text import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField

from jifen.programs import rounds as programs

from jifen.programs import publication
from jifen.db.session import get_session
from jifen.exchange import exports, kept_uploads, verifications
from jifen.exchange.sheet_import import sha256_of, upload_name
from jifen.exchange.spreadsheets import csv_chunks, write_xlsx
from jifen.web.loading import get_or_404
from jifen.identity import accounts
from jifen.models import Job, ProgramRound, RankingRun
from jifen.county.context import current_county
from jifen.web.i18n import current_locale
from jifen.http.security import limiter, own_departments, public, roles_required
from jifen.http.theme import render

bp = Blueprint("exchange", __name__)
reviewers = roles_required("reviewer", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired(message=_l("Choose a file."))])
    department = SelectField(_l("Department"), choices=[], validate_choice=False)
    skip_bad_rows = BooleanField(_l("Skip bad rows: apply the good rows and report the bad ones"))


class ApplyForm(FlaskForm):
    token = HiddenField()
    sha256 = HiddenField()
    file_name = HiddenField()
    department = HiddenField()
    skip_bad_rows = HiddenField()


def _lang() -> str:
    return "zh" if current_locale().startswith("zh") else "en"


def _department(chosen: str | None) -> str | None:
    """The department chosen among the user's own (an administrator's: every one of the county);
    a reviewer with a single department needs no choice."""
    own = own_departments()
    if own is None:
        return chosen if chosen in accounts.departments() else None
    if chosen in own:
        return chosen
    return own[0] if len(own) == 1 else None


def _import_form(**values) -> ImportForm:
    form = ImportForm(**values)
    own = own_departments()
    form.department.choices = [(key, names.get(_lang(), key)) for key, names in accounts.departments().items()
                               if own is None or key in own]
    return form


def _page(form, *, report=None, apply_form=None, status=200):
    return render("exchange/import.html", form=form, report=report, apply_form=apply_form,
                  departments=accounts.departments(), lang=_lang(), max_rows=verifications.MAX_ROWS,
                  max_mb=verifications.MAX_BYTES // (1024 * 1024), labels=verifications.DECISION_LABELS), status


def _apply_form(report: verifications.ImportReport, token: str) -> ApplyForm:
    form = ApplyForm()
    form.token.data, form.sha256.data, form.file_name.data = token, report.sha256, report.file_name
    form.department.data = report.department
    form.skip_bad_rows.data = "1" if report.skip_bad_rows else ""
    return form


@bp.route("/review/import", methods=["GET", "POST"])
@reviewers
@limiter.limit(lambda: "30 per minute", methods=["POST"])  # an upload, limited as evidence uploads are
def import_verifications():
    form = _import_form()
    if request.method == "GET":
        form.department.data = request.args.get("department")
    if not form.validate_on_submit():
        return _page(form, status=400 if request.method == "POST" else 200)
    department = _department(form.department.data)
    if department is None:
        form.department.errors = [_("Choose the department whose decisions the file holds.")]
        return _page(form, status=400)
    upload = form.file.data
    data = upload.stream.read(verifications.MAX_BYTES + 1)
    report = verifications.run_import(get_session(), current_county().hooks, data, file_name=upload.filename or "",
                                      department=department, actor=current_user.actor, dry_run=True,
                                      skip_bad_rows=form.skip_bad_rows.data)
    if report.file_error is not None:
        form.file.errors = [str(report.file_error)]
        return _page(form, report=report, status=400)
    token = kept_uploads.keep(data, actor=current_user.actor) if report.good_rows else ""
    return _page(form, report=report, apply_form=_apply_form(report, token) if token else None)


@bp.post("/review/import/apply")
@reviewers
def apply_import():
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    department = _department(form.department.data)
    data = kept_uploads.load(form.token.data, form.sha256.data, actor=current_user.actor)
    if department is None or data is None:
        flash(_("The checked file is no longer kept: upload it again."), "error")
        return redirect(url_for("exchange.import_verifications", department=form.department.data or None), 303)
    skip = form.skip_bad_rows.data == "1"
    report = verifications.run_import(get_session(), current_county().hooks, data, file_name=form.file_name.data,
                                      department=department, actor=current_user.actor, skip_bad_rows=skip)
    upload_form = _import_form(formdata=None, department=department, skip_bad_rows=skip)
    if report.written:
        kept_uploads.discard(form.token.data, actor=current_user.actor)
        flash(_("%(n)d decisions recorded.", n=len(report.applied_rows)), "success")
        return _page(upload_form, report=report)
    # Nothing written: the file stays kept, so the good rows can still be applied on their own.
    return _page(upload_form, report=report,
                 apply_form=_apply_form(report, form.token.data) if report.good_rows else None, status=400)


@bp.get("/review/queue.<any(csv, xlsx):fmt>")
@reviewers
def export_queue(fmt: str):
    department = _department(request.args.get("department"))
    if department is None:
        flash(_("Choose a department first."), "error")
        return redirect(url_for("review.queue"))
    rows, _more = exports.queue_rows(get_session(), department, lang=_lang())  # the rest: export again later
    name = f"queue-{department}-{clock.today().isoformat()}.{fmt}"
    if fmt == "csv":
        response = Response(b"".join(csv_chunks(rows)), mimetype="text/csv")
    else:
        buffer = io.BytesIO()
        write_xlsx(rows, buffer, title=department, widths=exports.QUEUE_WIDTHS)
        response = Response(buffer.getvalue(), mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.get("/programs/<key>/rounds/<int(max=9223372036854775807):round_id>/list.xlsx")  # ids are BIGINT
@public
def published_xlsx(key: str, round_id: int):
    session = get_session()
    if programs.declared_program(key) is None:  # a program switched off since: its published lists stay readable
        abort(404)
    found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id, ProgramRound.program_key == key))
    latest = publication.latest(session, found) if found is not None else None
    if latest is None:
        abort(404)
    run = session.get(RankingRun, (found.tenant_id, latest.run_id))
    path = exports.list_xlsx_path(session, latest, run)
    response = send_file(path, mimetype=XLSX, as_attachment=True, download_name=f"list-{latest.starts_on.isoformat()}-{latest.stage}.xlsx")
    response.headers["X-Ranking-Digest"] = run.digest
    return response


# --- a county's existing records (docs/onboarding.md) -------------------------------------------

ONBOARDING_JOB = "exchange.onboarding"  # the check and the import run as jobs: a county's file is large


class OnboardingForm(FlaskForm):
    file = FileField(_l("Workbook (XLSX)"),
                     validators=[FileRequired(message=_l("Choose a file."))])


def _onboarding_page(form, *, job=None, status=200):
    """The upload form; with ``job``, that check's or import's state, then its report."""
    from jifen.exchange import onboarding

    result = job.result if job is not None and job.state == "finished" else None
    language = "en" if current_locale().startswith("en") else "zh_Hans_CN"
    problems = file_error = None
    if result:
        problems = result["problems"].get(language) or []
        file_error = result["file_error"].get(language)
    return render("exchange/onboarding.html", form=form, job=job, report=result, problems=problems,
                  file_error=file_error, error=job_work.error_text(job, str(get_locale())) if job else None,
                  refresh=job is not None and job.state in ("queued", "running"),
                  max_rows=onboarding.MAX_ROWS, max_mb=onboarding.MAX_BYTES // (1024 * 1024)), status


def _start(session, *, token: str, sha256: str, file_name: str, dry_run: bool):
    job = jobs.enqueue(session, ONBOARDING_JOB, actor=current_user.actor, target_type="onboarding_import",
                       params={"token": token, "sha256": sha256, "file_name": file_name, "dry_run": dry_run})
    session.commit()
    return redirect(url_for("exchange.import_onboarding", job=job.id), 303)


@bp.route("/admin/onboarding", methods=["GET", "POST"])
@roles_required("admin")
@limiter.limit(lambda: "30 per minute", methods=["POST"])  # an upload, limited as evidence uploads are
def import_onboarding():
    from jifen.exchange import onboarding

    form = OnboardingForm()
    if request.method == "GET" and request.args.get("job"):
        job = _onboarding_job(request.args.get("job", ""))
        return _onboarding_page(OnboardingForm(formdata=None), job=job)
    if not form.validate_on_submit():
        return _onboarding_page(form, status=400 if form.is_submitted() else 200)
    data = form.file.data.stream.read(onboarding.MAX_BYTES + 1)
    if len(data) > onboarding.MAX_BYTES:
        form.file.errors = [_("The file is larger than %(mb)d MB: split it into several files.",
                              mb=onboarding.MAX_BYTES // (1024 * 1024))]
        return _onboarding_page(form, status=400)
    if not zipfile.is_zipfile(io.BytesIO(data)):  # told at once; the lines are checked by the job
        form.file.errors = [_("This file is not an Excel workbook (.xlsx): save it as one and upload it again.")]
        return _onboarding_page(form, status=400)
    name = upload_name(form.file.data.filename or "onboarding.xlsx")
    token = kept_uploads.keep(data, actor=current_user.actor)
    return _start(get_session(), token=token, sha256=sha256_of(data), file_name=name, dry_run=True)


def _onboarding_job(text: str) -> Job:
    if not text.isdigit():
        abort(404)
    job = get_or_404(Job, int(text))
    if job.kind != ONBOARDING_JOB:
        abort(404)
    return job


@bp.post("/admin/onboarding/apply")
@roles_required("admin")
def apply_onboarding():
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    if kept_uploads.load(form.token.data, form.sha256.data, actor=current_user.actor) is None:
        flash(_("The checked file is no longer kept: upload it again."), "error")
        return redirect(url_for("exchange.import_onboarding"), 303)
    return _start(get_session(), token=form.token.data, sha256=form.sha256.data,
                  file_name=form.file_name.data or "onboarding.xlsx", dry_run=False)
