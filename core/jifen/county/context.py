"""The County context: what the bound county offers, made once per binding.

A binding (a request, a CLI command, a job, a test's ``bind_tenant``) gets one :class:`County` the
first time anything asks for it: the tenant, its enabled plugins, their hook caller, the score item
types and the programs they declare. Nothing else reads enablement or builds hook callers. Switching
a plugin inside the binding (an administrator's request, a test) forgets it, so the next question
sees the change; other bindings see it when they are next made, as the next request does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from jifen.county.enablement import read_enablement
from jifen.county.tenancy import TenantRef, binding_context, require_tenant
from jifen.plugin.kinds import ScoreItemType, ServiceProgram
from jifen.plugin.manager import CountyHooks, county_programs, county_score_items


@dataclass(frozen=True)
class County:
    """One county as the platform serves it now."""

    tenant: TenantRef
    enabled: frozenset[str]
    settings: dict[str, dict] = field(default_factory=dict, compare=False)  # plugin name -> stored settings
    hooks: CountyHooks = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hooks", CountyHooks(self.enabled))

    def settings_of(self, plugin: str | None) -> dict:
        """The county's stored settings of ``plugin`` (a copy; empty when it has none)."""
        return dict(self.settings.get(plugin, {})) if plugin else {}

    @cached_property
    def programs(self) -> tuple[ServiceProgram, ...]:
        return county_programs(self.enabled)

    @cached_property
    def score_items(self) -> tuple[ScoreItemType, ...]:
        return county_score_items(self.enabled)

    @cached_property
    def programs_by_key(self) -> dict[str, ServiceProgram]:
        return {p.key: p for p in self.programs}

    @cached_property
    def item_types(self) -> dict[str, ScoreItemType]:
        return {t.key: t for t in self.score_items}


def current_county(session: Session | None = None) -> County:
    """The bound county's context, made on first use in this binding (``session`` to read it with)."""
    tenant = require_tenant()
    found = binding_context.get()
    if isinstance(found, County) and found.tenant.id == tenant.id:
        return found
    if session is None:
        from jifen.db.session import get_session  # the application context's session

        session = get_session()
    enabled, settings = read_enablement(session)
    made = County(tenant=tenant, enabled=enabled, settings=settings)
    binding_context.set(made)
    return made


def forget_county() -> None:
    """Drop the binding's context (its plugins changed); the next :func:`current_county` makes it again."""
    binding_context.set(None)


def county_for(tenant: TenantRef, enabled: frozenset[str]) -> County:
    """A context for a given set of plugins (the conformance check, what-if pages); never cached."""
    return County(tenant=tenant, enabled=frozenset(enabled))


def enabled_plugin_names(session: Session | None = None) -> frozenset[str]:
    """The bound county's enabled plugins (what the deprecated ``jifen.enablement`` name gives)."""
    return current_county(session).enabled
