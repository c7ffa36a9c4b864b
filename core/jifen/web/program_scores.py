"""A county administrator imports a round's own scores (an exam's) from a spreadsheet: upload, a dry run
showing every line, then apply the file that was checked (kept between the two steps by its SHA-256).
Only for rounds of a program with its own ranking score; another county's round is a 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from jifen.db.session import get_session
from jifen.exchange import kept_uploads, program_scores
from jifen.http.security import limiter, roles_required
from jifen.http.theme import render
from jifen.models import ProgramRound
from jifen.programs import rounds as programs
from jifen.text import lazy_gettext as _l
from jifen.web.i18n import current_locale
from jifen.web.loading import get_or_404

bp = Blueprint("program_scores", __name__)
admins = roles_required("admin")


class ScoresForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired(message=_l("Choose a file."))])


class ApplyScoresForm(FlaskForm):
    token = HiddenField()
    sha256 = HiddenField()
    file_name = HiddenField()


def _round(round_id: int):
    found = get_or_404(ProgramRound, round_id)
    program = programs.programs(get_session()).get(found.program_key)
    if program is None or program.ranking_score is None:
        abort(404)
    return found, program


def _page(found, program, form, *, report=None, apply_form=None, status=200):
    lang = "zh" if current_locale().startswith("zh") else "en"
    refused = program_scores.importable(get_session(), found, program)
    keys = ("reference", "id_number", "score")
    columns = ("、".join(program_scores.column_title(k, "zh") for k in keys) if lang == "zh" else
               ", ".join(f"{program_scores.column_title(k, 'en')} ({program_scores.column_title(k, 'zh')})"
                         for k in keys))
    return render("exchange/scores.html", round=found, program=program, form=form, report=report,
                  apply_form=apply_form, refused=refused, score_name=program.ranking_score.name(lang),
                  full_marks=program_scores.full_marks(get_session(), program), max_rows=program_scores.MAX_ROWS,
                  max_mb=program_scores.MAX_BYTES // (1024 * 1024), lang=lang, columns=columns), status


def _apply_form(report: program_scores.ScoreReport, token: str) -> ApplyScoresForm:
    form = ApplyScoresForm()
    form.token.data, form.sha256.data, form.file_name.data = token, report.sha256, report.file_name
    return form


@bp.route("/rounds/<int:round_id>/scores", methods=["GET", "POST"])
@admins
@limiter.limit(lambda: "30 per minute", methods=["POST"])  # an upload, limited as evidence uploads are
def import_scores(round_id: int):
    found, program = _round(round_id)
    form = ScoresForm()
    if not form.validate_on_submit():
        return _page(found, program, form, status=400 if form.is_submitted() else 200)
    data = form.file.data.stream.read(program_scores.MAX_BYTES + 1)
    report = program_scores.run_import(get_session(), found, program, data, file_name=form.file.data.filename or "",
                                       actor=current_user.actor, dry_run=True)
    if report.file_error is not None:
        form.file.errors = [str(report.file_error)]
        return _page(found, program, form, report=report, status=400)
    token = kept_uploads.keep(data, actor=current_user.actor) if report.changed_rows and not report.blocked else ""
    return _page(found, program, form, report=report, apply_form=_apply_form(report, token) if token else None)


@bp.post("/rounds/<int:round_id>/scores/apply")
@admins
def apply_scores(round_id: int):
    found, program = _round(round_id)
    form = ApplyScoresForm()
    if not form.validate_on_submit():
        abort(400)
    data = kept_uploads.load(form.token.data, form.sha256.data, actor=current_user.actor)
    if data is None:
        flash(_("The checked file is no longer kept: upload it again."), "error")
        return redirect(url_for("program_scores.import_scores", round_id=found.id), 303)
    report = program_scores.run_import(get_session(), found, program, data, file_name=form.file_name.data,
                                       actor=current_user.actor)
    if report.written:
        kept_uploads.discard(form.token.data, actor=current_user.actor)
        flash(_("%(n)d scores recorded.", n=len(report.changed_rows)), "success")
        return _page(found, program, ScoresForm(formdata=None), report=report)
    # Nothing written (a change meanwhile made a row bad, or the final list came out): say why, on the page.
    return _page(found, program, ScoresForm(formdata=None), report=report, status=400)
