"""County administrators' page for API tokens: make one (shown once), see them, revoke one.

Department systems call the integration API with these tokens (docs/api.md). Every creation and
revocation is audited; only a hash of each token is kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from jifen.web import words
from jifen.web.audit_words import Actors
from jifen.text import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import Length

from jifen.identity import api_tokens as tokens
from jifen.points.applications import ApplicationError
from jifen.db.session import get_session
from jifen.identity import accounts
from jifen.web.forms import EmptyForm, add_error
from jifen.web.i18n import current_locale
from jifen.web.navigation import form_page
from jifen.http.security import roles_required

bp = Blueprint("admin_tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField(_l("Name (which system uses it)"), validators=[Length(max=100)])
    scopes = SelectMultipleField(_l("Scopes"), choices=[],
                                 widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput(), validate_choice=False)
    department = SelectField(_l("Department (for the verification scopes)"), choices=[], validate_choice=False)


def _form(fresh: bool = False) -> TokenForm:
    form = TokenForm(formdata=None) if fresh else TokenForm()
    lang = "zh" if current_locale().startswith("zh") else "en"
    form.department.choices = [("", "—")] + [(key, names.get(lang, key)) for key, names in accounts.departments().items()]
    form.scopes.choices = [(key, f"{words.scope_label(key)}: {text}") for key, text in tokens.SCOPES.items()]
    return form


def _page(form: TokenForm, new_token: str | None = None):
    session = get_session()
    listed = tokens.tokens(session)
    actors = Actors(session, [t.created_by for t in listed])
    return form_page("admin/tokens.html", form, tokens=listed, new_token=new_token, revoke_form=EmptyForm(),
                     departments=accounts.departments(), creators={t.created_by: actors.label(t.created_by)
                                                                    for t in listed})


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required("admin")
def index():
    form = _form()
    if form.validate_on_submit():
        session = get_session()
        try:
            made = tokens.create(session, form.name.data, form.scopes.data, form.department.data,
                                 actor=current_user.actor)
        except ApplicationError as exc:
            session.rollback()
            form.form_errors.append(exc.message)
            for field, texts in exc.messages.items():
                for text in texts:
                    add_error(form, field, text)
        else:
            session.commit()
            flash(_("Token %(name)s is made. Copy it now: it is not shown again.", name=made.record.name), "success")
            return _page(_form(fresh=True), new_token=made.token)
    return _page(form)


@bp.post("/tokens/<int(max=9223372036854775807):token_id>/revoke")  # ids are BIGINT
@roles_required("admin")
def revoke(token_id: int):
    session = get_session()
    found = tokens.get(session, token_id)
    if found is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if tokens.revoke(session, found, actor=current_user.actor):
        session.commit()
        flash(_("Token %(name)s is revoked; it no longer works.", name=found.name), "success")
    return redirect(url_for("admin_tokens.index"))
