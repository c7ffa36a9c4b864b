"""The forms of a county administrator's users pages: invite a staff member, change a role and departments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from jifen.identity import accounts
from jifen.text import lazy_gettext as _l
from jifen.web.i18n import current_locale

_required = DataRequired(message=_l("This field is required."))

ROLE_WORDS = {"applicant": _l("Applicant"), "reviewer": _l("Reviewer"), "admin": _l("County administrator")}


def department_names() -> dict[str, str]:
    """The bound county's departments, key -> name in the reader's language (tenant.toml ``[departments]``)."""
    lang = "zh" if current_locale().startswith("zh") else "en"
    return {key: names.get(lang) or names.get("zh") or key for key, names in accounts.departments().items()}


class _Departments(SelectMultipleField):
    """Checkboxes, one per department; a key the county does not have is reported by jifen.identity."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:
        pass


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=list(ROLE_WORDS.items()), validate_choice=False)
    departments = _Departments(_l("Departments (for a reviewer: one or more)"), choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.departments.choices = list(department_names().items())

    def validate_role(self, field) -> None:
        if field.data not in dict(field.choices):
            raise ValidationError(_l("Choose one of the roles."))


class InviteForm(RoleForm):
    real_name = StringField(_l("Real name"), validators=[_required, Length(max=50)])
    id_number = StringField(_l("National ID number"), validators=[_required, Length(max=30)])
    mobile = StringField(_l("Mobile number (the login)"), validators=[_required, Length(max=20)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(key, ROLE_WORDS[key]) for key in ("reviewer", "admin")]
