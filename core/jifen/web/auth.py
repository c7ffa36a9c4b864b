"""Accounts on a county's portal: register, log in and out, change password (an account made by a
county administrator must change its initial password first: jifen.http.security)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from jifen.db.session import get_session
from jifen.identity import accounts, masking, protect
from jifen.web.forms import LoginForm, PasswordChangeForm, RegisterForm, add_error
from jifen.web.navigation import form_page, safe_next
from jifen.web.staff_forms import ROLE_WORDS, department_names
from jifen.http.security import limiter, login_limit, public

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            user = accounts.create_user(
                session,
                real_name=form.real_name.data,
                id_number=form.id_number.data,
                mobile=form.mobile.data,
                password=form.password.data,
            )
        except accounts.AccountError as exc:
            session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            session.commit()
            login_user(user)
            flash(_("Your account is ready."), "success")
            return redirect(home_of(user))
    return form_page("auth/register.html", form)


def home_of(user) -> str:
    """Where a person lands after logging in: an applicant on the status page (the next thing to do),
    officials on their work; an initial password is changed on the account page first."""
    if getattr(user, "must_change_password", False):
        return url_for("auth.account")
    if user.has_role("admin"):
        return url_for("admin.index")
    if user.has_role("reviewer"):
        return url_for("review.queue")
    return url_for("applicant.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = accounts.authenticate(session, form.mobile.data, form.password.data)
        session.commit()
        if user is not None:
            login_user(user)
            return redirect(safe_next(form.next.data) or home_of(user))
        add_error(form, "password", _("Mobile number or password is not correct."))
    elif not form.is_submitted():
        form.next.data = request.args.get("next", "")
    return form_page("auth/login.html", form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(get_session(), current_user._get_current_object())
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("portal.landing"))


def _account_page(form: PasswordChangeForm):
    masked_id = None
    if not current_user.is_platform_admin:
        masked_id = masking.mask(protect.decrypt(current_user.id_number_encrypted))
    role_word = ROLE_WORDS.get(current_user.role) or _("Platform administrator")
    names = department_names()
    departments = [names.get(key, _("A department no longer in the county's list")) for key in current_user.departments]
    return form_page("auth/account.html", form, masked_id=masked_id, role_word=role_word, departments=departments)


@bp.get("/account")
def account():
    return _account_page(PasswordChangeForm())


@bp.route("/account/password", methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    if current_user.is_platform_admin:
        flash(_("Platform administrators change their password with: jifen users platform-password"), "error")
        return redirect(url_for("auth.account"))
    if form.validate_on_submit():
        session = get_session()
        try:
            accounts.change_password(session, current_user, form.current_password.data, form.new_password.data)
        except accounts.AccountError as exc:
            session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            session.commit()
            login_user(current_user._get_current_object())  # keep this session; others end
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(form)
