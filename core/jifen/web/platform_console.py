"""The platform administrators' console: every county side by side, and a new county with its first
administrator, made from a form (jifen.county.creation; the same rows as ``jifen tenants load``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from functools import wraps

from flask import Blueprint, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import ColorField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import Length
from flask_wtf import FlaskForm

from jifen import clock
from jifen.county import creation
from jifen.county.context import current_county
from jifen.county.lookup import forget_tenants
from jifen.county.tenancy import bind_tenant
from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.http.security import login_manager
from jifen.identity import accounts, national_id, passwords
from jifen.models import ProgramRound, Tenant
from jifen.plugin.manager import catalog
from jifen.programs import states
from jifen.text import lazy_gettext as _l
from jifen.web import words
from jifen.web.forms import add_error
from jifen.web.i18n import current_locale
from jifen.web.navigation import form_page
from jifen.http.theme import render

bp = Blueprint("platform_console", __name__)


def platform_admin_required(view):
    """Only platform administrators (a county's users are not logged in above the counties)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _lang() -> str:
    return current_locale().split("_")[0]


def _plugin_choices(lang: str) -> list[tuple[str, str]]:
    """The plugins a person can tell apart by what they add; the others are on the county's plugins page."""
    adding = [name for name in catalog() if words.plugin_adds(name)[0]]
    return sorted(((name, words.plugin_label(name)) for name in adding), key=lambda c: c[1])


# --- every county side by side ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoundLine:
    program: str
    name: str
    opens_on: date
    closes_on: date
    stage: str


@dataclass(frozen=True)
class CountyLine:
    slug: str
    name: str
    hosts: list[str]
    plugins: list[str]
    rounds: list[RoundLine]


def _county_line(session, tenant: Tenant, lang: str, program_names: dict[str, object]) -> CountyLine:
    ref = tenant.ref()
    with bind_tenant(ref):
        # An ORM query first: on PostgreSQL it moves the transaction's county (row-level security) to
        # this one before current_county() reads the enabled plugins on the raw connection.
        rounds = session.scalars(select(ProgramRound).order_by(ProgramRound.opens_on, ProgramRound.id)).all()
        enabled = sorted(current_county(session).enabled)
        today = clock.today()
        lines = [RoundLine(program_names[r.program_key].name(lang) if r.program_key in program_names else "",
                           r.name, r.opens_on, r.closes_on, str(states.state_of(session, r, today).label))
                 for r in rounds]
    return CountyLine(ref.slug, ref.name_zh if lang == "zh" else ref.name_en, [h.host for h in tenant.hosts],
                      [words.plugin_label(name) for name in enabled], lines)


@bp.get("/counties")
@platform_admin_required
def overview():
    session = get_session()
    lang = _lang()
    program_names = {p.key: p for info in catalog().values() for p in info.programs}
    tenants = session.scalars(select(Tenant).options(selectinload(Tenant.hosts)).order_by(Tenant.slug)).all()
    counties = [_county_line(session, t, lang, program_names) for t in tenants]
    return render("platform/counties.html", counties=counties)


# --- a new county ------------------------------------------------------------------------------------


class NewCountyForm(FlaskForm):
    """Checked by jifen.county.creation and jifen.identity, so every problem shows at once."""

    slug = StringField(_l("Short name for web addresses"), validators=[Length(max=40)],
                       description=_l("2 to 40 lower-case letters, digits or '-', starting with a letter: the portal's address begins with it, as in /pinghu/."))
    name_zh = StringField(_l("Name in Chinese"), validators=[Length(max=creation.NAME_LENGTH)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=creation.NAME_LENGTH)])
    hotline = StringField(_l("Hotline for questions and complaints"), validators=[Length(max=20)],
                          description=_l("Such as 0573-84012345 or 12345."))
    hosts = TextAreaField(_l("Host names (optional)"), validators=[Length(max=2600)],
                          description=_l("One a line: the portal is also served at each, as at https://pinghu.example.gov.cn/."))
    primary_color = ColorField(_l("Main colour"), default="#b71c1c")
    accent_color = ColorField(_l("Text colour on the main colour"), default="#ffffff")
    plugins = SelectMultipleField(_l("Plugins it starts with"), choices=[], widget=widgets.ListWidget(prefix_label=False),
                                  option_widget=widgets.CheckboxInput(),
                                  description=_l("The county's administrator can switch plugins on and off later."))
    admin_name = StringField(_l("Administrator's real name"), validators=[Length(max=50)])
    admin_id_number = StringField(_l("Administrator's national ID number"), validators=[Length(max=30)])
    admin_mobile = StringField(_l("Administrator's mobile number"), validators=[Length(max=20)],
                               description=_l("The administrator logs in with it."))

    def new_county(self) -> creation.NewCounty:
        text = {name: (getattr(self, name).data or "").strip()
                for name in ("slug", "name_zh", "name_en", "hotline", "primary_color", "accent_color")}
        return creation.NewCounty(**text, hosts=creation.split_hosts(self.hosts.data or ""),
                                  plugins=list(self.plugins.data or []))


_ADMIN_FIELDS = {"real_name": "admin_name", "id_number": "admin_id_number", "mobile": "admin_mobile"}


def _admin_problems(form: NewCountyForm) -> dict[str, object]:
    problems: dict[str, object] = {}
    for key, check in (("admin_name", accounts.check_real_name), ("admin_mobile", accounts.check_mobile)):
        try:
            check(getattr(form, key).data or "")
        except accounts.AccountError as exc:
            problems[key] = exc.message
    try:
        national_id.validate(form.admin_id_number.data or "")
    except national_id.InvalidNationalId as exc:
        problems["admin_id_number"] = exc.args[0]
    return problems


_PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def initial_password(*personal: str) -> str:
    """A password to read out or copy once: four groups of four, e.g. ``k7Pq-3mXz-Hb9d-Rt4w``."""
    while True:
        made = "-".join("".join(secrets.choice(_PASSWORD_LETTERS) for _ in range(4)) for _ in range(4))
        if passwords.weakness(made, *personal) is None:
            return made


def _show_problems(form: NewCountyForm, problems: dict[str, object]) -> None:
    for key, message in problems.items():
        target = getattr(form, key, None)
        if target is None or not target.errors:  # one message a field: the form's own check comes first
            add_error(form, key, message)


@bp.route("/counties/new", methods=["GET", "POST"])
@platform_admin_required
def new_county():
    lang = _lang()
    form = NewCountyForm()
    form.plugins.choices = _plugin_choices(lang)
    if request.method != "POST":
        return form_page("platform/county_new.html", form)
    if not form.validate():
        if form.csrf_token.errors:
            return form_page("platform/county_new.html", form)
    session = get_session()
    new = form.new_county()
    reserved = creation.reserved_slugs(rule.rule for rule in current_app.url_map.iter_rules())
    _show_problems(form, {**creation.check(session, new, reserved=reserved,
                                           platform_hosts=current_app.config["JIFEN_PLATFORM_HOSTS"]),
                          **_admin_problems(form)})
    if form.errors:
        return form_page("platform/county_new.html", form)
    admin = dict(real_name=form.admin_name.data.strip(), id_number=national_id.validate(form.admin_id_number.data),
                 mobile=form.admin_mobile.data.strip())
    password = initial_password(admin["mobile"], admin["id_number"])
    try:
        tenant = creation.create(session, new, actor=current_user.actor)
        with bind_tenant(tenant.ref()):
            accounts.create_user(session, **admin, password=password, role="admin", actor=current_user.actor)
        session.commit()
    except ApplicationError as exc:
        session.rollback()
        _show_problems(form, exc.messages)
        return form_page("platform/county_new.html", form)
    except accounts.AccountError as exc:  # create_user rolled back; only a race gets here
        _show_problems(form, {_ADMIN_FIELDS.get(exc.field, exc.field): exc.message})
        return form_page("platform/county_new.html", form)
    except IntegrityError:  # the same slug or host made at the same moment
        session.rollback()
        add_error(form, "slug", _("A county called “%(slug)s” already exists.", slug=new.slug))
        return form_page("platform/county_new.html", form)
    forget_tenants()
    # Shown on this answer only (no-store, like every page): it is stored nowhere but as a hash.
    return render("platform/county_created.html", slug=new.slug,
                  county_name=new.name_zh if lang == "zh" else new.name_en, mobile=admin["mobile"], password=password)
