"""The portal's forms (Flask-WTF: CSRF on every one). Field-level rules live in jifen.identity."""

from __future__ import annotations

from jifen.text import lazy_gettext as _l
from flask_wtf import FlaskForm
import re

from wtforms import (
    BooleanField, DateField, EmailField, HiddenField, PasswordField, RadioField, SelectField, SelectMultipleField,
    StringField,
    TextAreaField, widgets,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from jifen.identity import accounts, national_id, passwords

_required = DataRequired(message=_l("This field is required."))


class RegisterForm(FlaskForm):
    """Every field is checked on submit, so the applicant sees all problems at once."""

    real_name = StringField(_l("Real name"), validators=[_required, Length(max=50)])
    id_number = StringField(_l("National ID number"), validators=[_required, Length(max=30)])
    mobile = StringField(_l("Mobile number"), validators=[_required, Length(max=20)])
    password = PasswordField(_l("Password"), validators=[_required, Length(max=128)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[_required, EqualTo("password", message=_l("The two passwords differ."))]
    )

    def validate_real_name(self, field):
        _check(accounts.check_real_name, field.data)

    def validate_id_number(self, field):
        try:
            national_id.validate(field.data)
        except national_id.InvalidNationalId as exc:
            raise ValidationError(exc.args[0]) from None

    def validate_mobile(self, field):
        _check(accounts.check_mobile, field.data)

    def validate_password(self, field):
        reason = passwords.weakness(field.data or "", self.mobile.data or "", national_id.normalize(self.id_number.data))
        if reason:
            raise ValidationError(reason)


def _check(check, value) -> None:
    try:
        check(value)
    except accounts.AccountError as exc:
        raise ValidationError(exc.message) from None


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


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


def add_error(form: FlaskForm, field: str, message) -> None:
    target = getattr(form, field, None)
    if target is not None:
        target.errors = list(target.errors) + [message]
    else:
        form.form_errors.append(message)


class ProfileForm(FlaskForm):
    has_residence_permit = BooleanField(_l("I hold a residence permit of this province"))
    permit_number = StringField(_l("Residence permit number"), validators=[Length(max=40)])
    works_in_county_since = DateField(_l("Working in this county continuously since"), validators=[Optional()])
    employer = StringField(_l("Employer (or 'self-employed')"), validators=[Length(max=100)])
    town = StringField(_l("Town or subdistrict where you work"), validators=[Length(max=40)])
    criminal_penalty = BooleanField(_l("I have received a criminal penalty"))
    births_over_quota = BooleanField(_l("I have births over the family-planning quota"))


# An address an SMTP server takes without SMTPUTF8: ASCII, one @, a domain with a dot; no spaces or line breaks.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{4,190}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+\Z")
# Each language in its own words, as language pickers show them.
MESSAGE_LANGUAGES = [("zh_Hans_CN", "中文"), ("en", "English")]


class MessagesForm(FlaskForm):
    """How an applicant is told things: an e-mail address, the language, the county's channels.

    ``channels`` gets its choices from the view: the channels the county's enabled plugins declare.
    """

    email = EmailField(_l("E-mail address (optional)"), validators=[Optional(), Length(max=200)],
                        filters=[lambda value: value.strip() if isinstance(value, str) else value])
    language = SelectField(_l("Language of messages"), choices=MESSAGE_LANGUAGES, default="zh_Hans_CN")
    channels = SelectMultipleField(_l("Also send my messages by"), choices=[], widget=widgets.ListWidget(prefix_label=False),
                                   option_widget=widgets.CheckboxInput())
    shown = HiddenField()  # the channels the page offered: a post without them leaves the choice as it was

    def validate_email(self, field):
        if field.data and not _EMAIL.match(field.data):
            raise ValidationError(_l("Enter an e-mail address like name@example.com, or leave it empty."))


class FamilyMemberForm(FlaskForm):
    relation = SelectField(_l("Relation"), choices=[("child", _l("Child")), ("spouse", _l("Spouse"))])
    real_name = StringField(_l("Name"), validators=[_required, Length(max=50)])
    id_number = StringField(_l("National ID number"), validators=[_required, Length(max=30)])
    criminal_record = BooleanField(_l("Has a criminal record in this county"))

    def validate_id_number(self, field):
        try:
            national_id.validate(field.data)
        except national_id.InvalidNationalId as exc:
            raise ValidationError(exc.args[0]) from None


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[_required, Length(max=2000)])


class SupplementForm(FlaskForm):
    note = TextAreaField(_l("What you added or corrected"), validators=[_required, Length(max=2000)])


class DecisionForm(FlaskForm):
    """The reviewer's decision: radio buttons with no default, so nothing is decided by not choosing."""

    decision = RadioField(_l("Decision"), choices=[
        ("verified", _l("Verify")), ("supplement_requested", _l("Ask for a supplement")), ("rejected", _l("Reject"))],
        validators=[InputRequired(message=_l("Choose a decision: verify, ask for a supplement or reject."))])
    reason = TextAreaField(_l("Reason (the applicant reads it)"), validators=[Length(max=2000)])
