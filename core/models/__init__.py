"""The core's tables. Plugins that own tables declare them in their own package, prefixed with their name."""

from jifen.models.audit import AuditEvent
from jifen.models.plugin_state import PluginEnablement
from jifen.models.tenant import Tenant, TenantHost
from jifen.models.user import PlatformAdmin, User

__all__ = ["AuditEvent", "PluginEnablement", "PlatformAdmin", "Tenant", "TenantHost", "User"]
