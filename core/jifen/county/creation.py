"""Making a county from the platform console, through the code that loads a county folder.

:func:`check` says, per field, what is wrong with what the console's form holds; :func:`create` turns it
into the :class:`~jifen.county.folders.TenantSpec` a folder with only a tenant.toml would give and
applies it with :func:`~jifen.county.folders.apply_spec`. So a county made in the console and one loaded
from tenants/<slug>/ fill the same rows (``tenants``, ``tenant_hosts``, ``plugin_enablements``, the rule
version, the audit trail), and ``jifen tenants load`` may later take it over from a folder of that name.
The county's first administrator is the caller's (jifen.identity makes accounts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.county.enablement import InvalidPluginSettings, validate_settings
from jifen.county.folders import COLOR_PATTERN, HOST_PATTERN, RESERVED_SLUGS, SLUG_PATTERN, TenantFolderError
from jifen.county.folders import TenantSpec, apply_spec
from jifen.errors import ApplicationError
from jifen.models import Tenant, TenantHost
from jifen.plugin.manager import installed_plugins
from jifen.text import lazy_gettext as _l

# 0573-84012345, 12345, 400-820-1234: digits, groups joined by '-'.
HOTLINE_PATTERN = re.compile(r"^(?=.{5,20}$)\d{3,}(?:-\d{2,}){0,3}$")
MAX_HOSTS = 10
NAME_LENGTH = 100  # tenants.name_zh / name_en


@dataclass
class NewCounty:
    """What the console's form holds (text as typed, stripped)."""

    slug: str
    name_zh: str
    name_en: str
    hotline: str
    hosts: list[str] = field(default_factory=list)
    primary_color: str = "#b71c1c"
    accent_color: str = "#ffffff"
    plugins: list[str] = field(default_factory=list)


def split_hosts(text: str) -> list[str]:
    """Host names typed one a line, or separated by commas or spaces; lower-cased, each once."""
    return list(dict.fromkeys(h.lower() for h in re.split(r"[\s,，]+", text or "") if h))


def reserved_slugs(rules: Iterable[str]) -> frozenset[str]:
    """Words no county may be called: the folders' reserved words and the first literal segment of every
    route (``rules``: the URL map's rule strings, e.g. ``/platform/login``)."""
    segments = {rule.strip("/").split("/")[0] for rule in rules}
    return RESERVED_SLUGS | {s for s in segments if s and not s.startswith("<")}


def check(session: Session, new: NewCounty, *, reserved: frozenset[str],
          platform_hosts: Iterable[str] = ()) -> dict[str, object]:
    """Field -> what is wrong (translated text); empty when the county can be made."""
    problems: dict[str, object] = {}
    if not new.slug:
        problems["slug"] = _l("Enter the county's short name for web addresses, such as pinghu.")
    elif not SLUG_PATTERN.match(new.slug):
        problems["slug"] = _l("Use 2 to 40 lower-case letters, digits or '-', starting with a letter.")
    elif new.slug in reserved:
        problems["slug"] = _l("“%(slug)s” is a word of the platform's own addresses: choose another.", slug=new.slug)
    elif session.scalar(select(Tenant.id).where(Tenant.slug == new.slug)) is not None:
        problems["slug"] = _l("A county called “%(slug)s” already exists.", slug=new.slug)
    for key, missing in (("name_zh", _l("Enter the county's name in Chinese.")),
                         ("name_en", _l("Enter the county's name in English."))):
        value = getattr(new, key)
        if not value:
            problems[key] = missing
        elif len(value) > NAME_LENGTH:
            problems[key] = _l("Use at most %(n)d characters.", n=NAME_LENGTH)
    if not new.hotline:
        problems["hotline"] = _l("Enter the hotline for questions and complaints.")
    elif not HOTLINE_PATTERN.match(new.hotline):
        problems["hotline"] = _l("Enter a telephone number such as 0573-84012345 or 12345: digits, with '-' between groups.")
    host_problem = _host_problem(session, new.hosts, set(platform_hosts))
    if host_problem:
        problems["hosts"] = host_problem
    for key in ("primary_color", "accent_color"):
        if not COLOR_PATTERN.match(getattr(new, key) or ""):
            problems[key] = _l("Enter a colour as # and six hexadecimal digits, such as #0b5394.")
    plugin_problem = _plugin_problem(new.plugins)
    if plugin_problem:
        problems["plugins"] = plugin_problem
    return problems


def _host_problem(session: Session, hosts: list[str], platform_hosts: set[str]):
    if len(hosts) > MAX_HOSTS:
        return _l("List at most %(n)d host names.", n=MAX_HOSTS)
    for host in hosts:
        if not HOST_PATTERN.match(host):
            return _l("“%(host)s” is not a host name (such as pinghu.example.gov.cn).", host=host[:60])
        if host in platform_hosts:
            return _l("“%(host)s” is the platform's own address.", host=host)
    if hosts:
        taken = session.scalar(select(TenantHost.host).where(TenantHost.host.in_(hosts)))
        if taken is not None:
            return _l("“%(host)s” already serves another county.", host=taken)
    return None


def _plugin_problem(plugins: list[str]):
    installed = installed_plugins()
    for name in plugins:
        if name not in installed:
            return _l("Choose the plugins from the list.")
        try:
            validate_settings(name, {})
        except InvalidPluginSettings:
            return _l("One of the chosen plugins needs settings before it can be switched on: leave it out here "
                      "and switch it on from the county's plugins page.")
    return None


def create(session: Session, new: NewCounty, *, actor: str) -> Tenant:
    """Make the county (after :func:`check` found nothing) in the session's transaction; audited."""
    spec = TenantSpec(
        slug=new.slug,
        name_zh=new.name_zh,
        name_en=new.name_en,
        hotline=new.hotline,
        hosts=list(new.hosts),
        primary_color=new.primary_color.lower(),
        accent_color=new.accent_color.lower(),
        logo=None,
        settings={"calendar": {"days_off": [], "working_days": []}},  # as a folder without calendar.toml
        plugins={name: {"enabled": True, "settings": {}} for name in sorted(new.plugins)},
    )
    try:
        tenant, _changes = apply_spec(session, spec, actor=actor)
    except TenantFolderError:  # a host taken between the check and now
        raise ApplicationError(_l("A host name already serves another county."),
                               {"hosts": _l("A host name already serves another county.")}) from None
    return tenant
