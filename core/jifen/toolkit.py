"""The one module plugin authors import (CKAN's ``ckan.plugins.toolkit``, Datasette's ``hookimpl``).

    from jifen import toolkit as tk

    @tk.hookimpl
    def register_score_item_types():
        return [tk.ScoreItemType(key=..., settings_schema=tk.LevelPoints.settings(LEVELS), ...)]

Everything here is the supported surface of the core for this minor series (0.1): a name is removed
only after a minor series in which it warns. The rest of the core is internal and free to move.
docs/plugin_author_guide.md shows each name in use; docs/plugin_hooks.md lists the hooks.
"""

from __future__ import annotations

# Hooks and the declarative kinds a hook returns.
from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import (
    AGGREGATES, CATEGORIES, FAMILY_RULES, OFFER_RULES, QUOTA_MODES, EmptySettings, ItemSettings, ProgramSettings,
    RankingScore, ScoreItemType, ServiceProgram, budget_leftover_field,
)
# Settings that survive upgrades: a schema's settings_version and settings_migrations steps.
from jifen.plugin.settings_versions import rename_setting
from jifen.plugin.levels import level_points, level_scorer, points_for_level

# Translations: a plugin's own catalogue, or the core's lazy text for plugins without one.
from jifen.plugin.translations import PluginTranslations, translations_in
from jifen.text import lazy_gettext

# Eligibility (vetoes) and the dates of the scheme.
from jifen.points.eligibility import ApplicantFacts, Veto
# The applicant's confirmed points, read-only: a program's check (applicant.record) and check_eligibility see it.
from jifen.points.record import ApplicantRecord, RecordItem, Relative
# A committee step (ServiceProgram.committee_review) and settings naming one of the county's departments.
from jifen.programs.committee import CommitteeSettings
from jifen.county.departments import department_field
from jifen.calendar.ages import age_on, child_age_problems, school_year_cutoff

from jifen.clock import now, today

# The county a piece of work is for: its tenant, enabled plugins, hooks, programs and score items.
from jifen.county.context import County, current_county
from jifen.county.tenancy import TenantRef, require_tenant

# Message channels (register_message_channels): e-mail, SMS, ...
from jifen.plugin.channels import ChannelError, MessageChannel, OutgoingMessage

# Tables of a plugin's own, their ids and their migrations.
from jifen.db.session import Base, TenantScoped, get_session
from jifen.db.ids import new_id
from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

# Pages under a county (register_routes): the declaration, rendering in the county's layout, their URLs,
# and figures of a score item for them.
from jifen.plugin.pages import Page
from jifen.web.plugin_pages import record_audit, render, url_for_page
from jifen.points.item_counts import ItemCounts, item_counts

# Command-line helpers for register_commands.
from jifen.cli.binding import county as cli_county
from jifen.cli.binding import tenant_option

__all__ = [
    "hookimpl",
    "AGGREGATES", "CATEGORIES", "FAMILY_RULES", "OFFER_RULES", "QUOTA_MODES",
    "EmptySettings", "ItemSettings", "ProgramSettings", "ScoreItemType", "ServiceProgram", "level_points", "level_scorer", "points_for_level",
    "RankingScore", "rename_setting", "budget_leftover_field",
    "PluginTranslations", "translations_in", "lazy_gettext",
    "ApplicantFacts", "Veto", "age_on", "school_year_cutoff", "child_age_problems", "now", "today",
    "ApplicantRecord", "RecordItem", "Relative", "CommitteeSettings", "department_field",
    "County", "current_county", "TenantRef", "require_tenant",
    "ChannelError", "MessageChannel", "OutgoingMessage",
    "Base", "TenantScoped", "get_session", "new_id", "tenant_table_created", "tenant_table_dropping",
    "cli_county", "tenant_option",
    "Page", "render", "url_for_page", "record_audit", "ItemCounts", "item_counts",
]
