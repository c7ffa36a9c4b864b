"""Which Jifen versions a plugin supports: its distribution's dependency on ``jifen``.

A plugin says which core versions it is written for the way any Python package does, in its
``pyproject.toml`` (``dependencies = ["jifen>=0.1,<0.2"]``). The core reads that requirement from the
installed distribution's metadata and checks it against its own version; a plugin whose range
leaves this core out is refused at start-up (decisions/0012-plugin-kit.md). Plugins shipped in the
``jifen`` distribution itself are always compatible.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import Distribution

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from jifen import __version__ as CORE_VERSION

CORE_DISTRIBUTION = "jifen"


@dataclass(frozen=True)
class Support:
    """What a distribution declares about the core: ``built_in``, or its ``specifier`` (None: nothing)."""

    distribution: str
    built_in: bool = False
    specifier: SpecifierSet | None = None

    @property
    def declared(self) -> bool:
        return self.built_in or bool(self.specifier is not None and str(self.specifier))

    def supports(self, version: str = CORE_VERSION) -> bool:
        if self.built_in or self.specifier is None:
            return True
        try:
            return self.specifier.contains(Version(version), prereleases=True)
        except InvalidVersion:
            return False

    def describe(self) -> str:
        if self.built_in:
            return "built in"
        if self.specifier is None:
            return "no requirement on jifen"
        return f"jifen{self.specifier}" if str(self.specifier) else "jifen (any version)"


def support_of(dist: Distribution | None) -> Support:
    if dist is None:
        return Support(distribution="unknown")
    name = dist.metadata["Name"] or "unknown"
    if canonicalize_name(name) == CORE_DISTRIBUTION:
        return Support(distribution=name, built_in=True)
    for line in dist.requires or ():
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(requirement.name) != CORE_DISTRIBUTION:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue  # an optional extra's dependency says nothing about the plugin itself
        return Support(distribution=name, specifier=requirement.specifier)
    return Support(distribution=name)


def incompatibility(support: Support, version: str = CORE_VERSION) -> str | None:
    """Why a plugin cannot run on this core, or None when it can."""
    if support.supports(version):
        return None
    return f"{support.distribution} supports {support.describe()}, but this is jifen {version}"
