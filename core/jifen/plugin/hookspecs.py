"""The plugin contract: every hook a plugin may implement.

Each hook is documented here and in docs/plugin_hooks.md (a test fails when a hook has no section
there). Implementations may accept a subset of the arguments, so hooks can grow new ones.
Hooks that declare things (``register_*``) are called per county through the subset of plugins the
county has enabled; a disabled plugin is never called for that county.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("jifen")
hookimpl = pluggy.HookimplMarker("jifen")


# --- Declarations: what a plugin adds to a county that enables it -------------------------------


@hookspec
def register_score_item_types():
    """Declare score item types (an applicant's education, insurance years, patents, ...).

    :returns: a list of :class:`jifen.plugin.kinds.ScoreItemType`. The county sets the values in the
        plugin's settings; the plugin owns the scoring logic.
    """


@hookspec
def register_service_programs():
    """Declare service programs (school places, subsidised flats, hukou transfer, ...).

    :returns: a list of :class:`jifen.plugin.kinds.ServiceProgram`, shown on the portal of every
        county that enables the plugin.
    """


# --- Events and checks: called per county, for the enabled plugins and the core's default plugins ---


@hookspec
def check_eligibility(applicant, settings):
    """Veto conditions (一票否决): say why an applicant may not submit.

    :param applicant: :class:`jifen.points.eligibility.ApplicantFacts`, what the applicant declared about
        themselves and their family, with ``as_of``, the date of the check.
    :param settings: the county's ``[eligibility]`` settings (a dict; keys are the plugins' own).
    :returns: a list of :class:`jifen.points.eligibility.Veto` (empty or ``None`` when nothing fails).
    """


@hookspec
def send_notification(user, subject, body, tenant):
    """Deliver a notification through a channel (SMS, e-mail, ...).

    The core always writes the in-portal message first; this hook is for other channels. Every
    enabled implementation is called; a channel that fails must raise, and the core logs it without
    undoing the change that caused the notification.

    :param user: the :class:`jifen.models.User` to notify.
    :param subject: one line, in the user's county language.
    :param body: the message text.
    :param tenant: the bound :class:`jifen.county.tenancy.TenantRef`.
    :returns: nothing.
    """


@hookspec
def register_message_channels():
    """Declare message channels (e-mail, SMS, ...) that the county's notifications go out on.

    Called for the county's enabled plugins whenever a notification is made. A delivery record is
    kept per message and channel; a job calls the channel's ``send`` in a worker and retries a
    failure up to the channel's ``max_attempts``.

    :returns: a list of :class:`jifen.plugin.channels.MessageChannel`.
    """


# --- Deployment: called once for every installed plugin, whatever the counties enabled ----------


@hookspec
def register_migrations():
    """Name the plugin's Alembic version folder, for plugins that own tables.

    :returns: a filesystem path (``str`` or ``pathlib.Path``) of a folder of Alembic revisions whose
        first revision has ``branch_labels = ("<plugin name>",)`` and depends on the core's
        ``depends_on = "core_0001"``; or ``None``. ``jifen db upgrade`` applies every folder.
    """


@hookspec
def register_commands(cli):
    """Add commands to the ``jifen`` command line.

    :param cli: the ``jifen`` :class:`click.Group`; call ``cli.command()`` or ``cli.add_command()``.
    :returns: nothing.
    """
