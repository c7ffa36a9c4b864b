"""County administrators' survey pages: write a draft survey and its questions, publish it, close it, and read
its results as tables and SVG bar charts beside the county's rollout plan (docs/surveys.md)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.http.security import roles_required
from jifen.http.theme import render
from jifen.models import Survey, SurveyQuestion
from jifen.surveys import editing, results
from jifen.text import lazy_gettext as _l
from jifen.web.admin_statistics import FONT, WIDTH, Rect
from jifen.web.forms import EmptyForm, add_error
from jifen.web.loading import get_or_404
from jifen.web.navigation import form_page

bp = Blueprint("admin_surveys", __name__)
admins = roles_required("admin")
ID = "int(max=9223372036854775807)"  # ids are BIGINT

KIND_LABELS = {"single": _l("Single choice"), "multiple": _l("Multiple choice"),
               "ranking": _l("Ranking of wanted services"), "text": _l("Free text")}
SOURCE_LABELS = {"given": _l("The options written below"), "programs": _l("The county's programs"),
                 "installed": _l("Every program the county could bring in")}
STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open for answers"), "closed": _l("Closed")}
PLAN_LABELS = {results.LIVE: _l("Live"), results.COMING: _l("Coming"), results.ABSENT: _l("Not offered")}


class SurveyForm(FlaskForm):
    title_zh = StringField(_l("Title in Chinese"), validators=[InputRequired(), Length(max=200)])
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=200)])
    intro_zh = TextAreaField(_l("Introduction in Chinese (optional)"), validators=[Length(max=4000)])
    intro_en = TextAreaField(_l("Introduction in English (optional)"), validators=[Length(max=4000)])
    opens_on = DateField(_l("First day of answers (optional)"), validators=[Optional()])
    closes_on = DateField(_l("Last day of answers (optional)"), validators=[Optional()])


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=[(k, v) for k, v in KIND_LABELS.items()],
                       validate_choice=False)  # checked by jifen.surveys.editing, with its message
    text_zh = TextAreaField(_l("Question in Chinese"), validators=[InputRequired(), Length(max=1000)])
    text_en = TextAreaField(_l("Question in English (optional)"), validators=[Length(max=1000)])
    source = SelectField(_l("Options of a ranking"), choices=[(k, v) for k, v in SOURCE_LABELS.items()],
                         validate_choice=False)  # anything else is "given"
    options_zh = TextAreaField(_l("Options in Chinese, one a line"), validators=[Length(max=6000)])
    options_en = TextAreaField(_l("Options in English, one a line (optional)"), validators=[Length(max=6000)])
    required = BooleanField(_l("An answer is required"))


def _values(form: SurveyForm) -> dict:
    return {name: getattr(form, name).data for name in ("title_zh", "title_en", "intro_zh", "intro_en", "opens_on",
                                                        "closes_on")}


def _errors_into(form: FlaskForm, exc: ApplicationError) -> None:
    if not exc.messages:
        form.form_errors.append(exc.message)
    for name, texts in exc.messages.items():
        for text in texts:
            add_error(form, name, text)


@bp.route("/surveys", methods=["GET", "POST"])
@admins
def index():
    session = get_session()
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            made = editing.create(session, **_values(form), actor=current_user.actor)
        except ApplicationError as exc:
            session.rollback()
            _errors_into(form, exc)
        else:
            session.commit()
            flash(_("The survey is saved as a draft. Add its questions."), "success")
            return redirect(url_for("admin_surveys.edit", survey_id=made.id))
    surveys = list(session.scalars(select(Survey).order_by(Survey.created_at.desc())))
    return form_page("admin/surveys.html", form, surveys=surveys, status_labels=STATUS_LABELS)


def _edit_page(survey: Survey, form: SurveyForm | None = None, question_form: QuestionForm | None = None,
               errors: dict | None = None, status: int = 200):
    session = get_session()
    if form is None:
        form = SurveyForm(formdata=None, obj=survey)
    question_form = question_form or QuestionForm(formdata=None)
    page = render("admin/survey_edit.html", survey=survey, form=form, question_form=question_form,
                  questions=editing.questions_of(session, survey), button_form=EmptyForm(), errors=errors or {},
                  status_labels=STATUS_LABELS, kind_labels=KIND_LABELS, source_labels=SOURCE_LABELS)
    bad = form.errors or question_form.errors or errors
    return page, (400 if request.method == "POST" and bad else status)


@bp.route(f"/surveys/<{ID}:survey_id>", methods=["GET", "POST"])
@admins
def edit(survey_id: int):
    session = get_session()
    survey = get_or_404(Survey, survey_id)
    if request.method == "GET":
        return _edit_page(survey)
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            editing.change(session, survey, **_values(form), actor=current_user.actor)
        except ApplicationError as exc:
            session.rollback()
            _errors_into(form, exc)
        else:
            session.commit()
            flash(_("The survey is saved."), "success")
            return redirect(url_for("admin_surveys.edit", survey_id=survey.id))
    return _edit_page(survey, form=form)


@bp.post(f"/surveys/<{ID}:survey_id>/questions")
@admins
def add_question(survey_id: int):
    session = get_session()
    survey = get_or_404(Survey, survey_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            editing.add_question(session, survey, kind=form.kind.data, text_zh=form.text_zh.data,
                                 text_en=form.text_en.data, options_zh=form.options_zh.data or "",
                                 options_en=form.options_en.data or "", source=form.source.data,
                                 required=form.required.data, actor=current_user.actor)
        except ApplicationError as exc:
            session.rollback()
            _errors_into(form, exc)
        else:
            session.commit()
            flash(_("The question is added."), "success")
            return redirect(url_for("admin_surveys.edit", survey_id=survey.id) + "#questions")
    return _edit_page(survey, question_form=form)


@bp.post(f"/surveys/<{ID}:survey_id>/questions/<{ID}:question_id>/remove")
@admins
def remove_question(survey_id: int, question_id: int):
    session = get_session()
    survey = get_or_404(Survey, survey_id)
    question = get_or_404(SurveyQuestion, question_id, SurveyQuestion.survey_id == survey.id)
    if not EmptyForm().validate_on_submit():
        return _edit_page(survey, errors={"form": [_("This form has expired. Please send it again.")]}, status=400)
    try:
        editing.remove_question(session, survey, question, actor=current_user.actor)
    except ApplicationError as exc:
        session.rollback()
        return _edit_page(survey, errors={"form": [exc.message]}, status=400)
    session.commit()
    flash(_("The question is removed."), "success")
    return redirect(url_for("admin_surveys.edit", survey_id=survey.id) + "#questions")


def _step(survey_id: int, step, done: str):
    session = get_session()
    survey = get_or_404(Survey, survey_id)
    if not EmptyForm().validate_on_submit():
        return _edit_page(survey, errors={"form": [_("This form has expired. Please send it again.")]}, status=400)
    if request.form.get("confirm") != "y":
        return _edit_page(survey, errors={"confirm": [_("Tick the box to confirm.")]}, status=400)
    try:
        step(session, survey, actor=current_user.actor)
    except ApplicationError as exc:
        session.rollback()
        return _edit_page(survey, errors={"form": [exc.message]}, status=400)
    session.commit()
    flash(done, "success")
    return redirect(url_for("admin_surveys.edit", survey_id=survey.id))


@bp.post(f"/surveys/<{ID}:survey_id>/publish")
@admins
def publish(survey_id: int):
    return _step(survey_id, editing.publish, _("The survey is published: residents can answer it now."))


@bp.post(f"/surveys/<{ID}:survey_id>/close")
@admins
def close(survey_id: int):
    return _step(survey_id, editing.close, _("The survey is closed: no more answers are taken."))


def bar_chart(bars: list[tuple[dict, int]]) -> dict | None:
    """Horizontal bars, one per option (its label above it): ``bars`` is (option, value)."""
    if not bars:
        return None
    left, right, bar = 8, 56, 16
    row = FONT + 6 + bar + 10
    most = max(value for _o, value in bars) or 1
    plot_w = WIDTH - left - right
    rows = []
    for i, (option, value) in enumerate(bars):
        y = 8 + i * row
        rows.append({"option": option, "value": value, "label_y": y + FONT,
                     "rect": Rect(left, y + FONT + 6, round(value / most * plot_w, 1), bar)})
    return {"width": WIDTH, "height": 8 + len(rows) * row, "left": left, "rows": rows, "font": FONT, "bar": bar}


@bp.get(f"/surveys/<{ID}:survey_id>/results")
@admins
def survey_results(survey_id: int):
    session = get_session()
    survey = get_or_404(Survey, survey_id)
    found = results.results(session, survey)
    charts = {r.question.id: bar_chart([(f.option, f.points if r.question.kind == "ranking" else f.count)
                                        for f in r.figures]) for r in found.questions if r.figures}
    return render("admin/survey_results.html", survey=survey, results=found, charts=charts,
                  plan=results.rollout_plan(session), plan_labels=PLAN_LABELS, kind_labels=KIND_LABELS,
                  status_labels=STATUS_LABELS)
