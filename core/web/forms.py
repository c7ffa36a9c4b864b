"""The portal's forms (Flask-WTF: CSRF on every one). Field-level rules live in jifen.identity."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

_required = DataRequired(message=_l("This field is required."))


class RegisterForm(FlaskForm):
    real_name = StringField(_l("Real name"), validators=[_required, Length(max=50)])
    id_number = StringField(_l("National ID number"), validators=[_required, Length(max=30)])
    mobile = StringField(_l("Mobile number"), validators=[_required, Length(max=20)])
    password = PasswordField(_l("Password"), validators=[_required, Length(max=128)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[_required, EqualTo("password", message=_l("The two passwords differ."))]
    )


class LoginForm(FlaskForm):
    mobile = StringField(_l("Mobile number"), validators=[_required, Length(max=20)])
    password = PasswordField(_l("Password"), validators=[_required, Length(max=128)])
    next = HiddenField()


class PlatformLoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[_required, Length(max=50)])
    password = PasswordField(_l("Password"), validators=[_required, Length(max=128)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[_required, Length(max=128)])
    new_password = PasswordField(_l("New password"), validators=[_required, Length(max=128)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[_required, EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[("applicant", _l("Applicant")), ("reviewer", _l("Reviewer")), ("admin", _l("County administrator"))],
    )
    department = SelectField(_l("Department"), choices=[], validate_choice=False)


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


def add_error(form: FlaskForm, field: str, message) -> None:
    target = getattr(form, field, None)
    if target is not None:
        target.errors = list(target.errors) + [message]
    else:
        form.form_errors.append(message)
