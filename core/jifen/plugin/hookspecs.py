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


@hookspec
def register_routes():
    """Declare pages the plugin adds under each county that enables it, public or for a role.

    The core serves them (jifen.web.plugin_pages) with its own login, role check per county, CSRF and
    county binding: a county that has not enabled the plugin answers 404, an anonymous visitor of a role's
    page is sent to the county's login page, a user without the role gets 403. A page with a menu label
    is listed in its role's menu of the counties that enable the plugin.

    :returns: a list of :class:`jifen.plugin.pages.Page`. Called once per registered plugin object (the
        result is kept), so return the same pages every time, never pages computed from a county.
    """


# --- Checks and notifications: called per county, for the enabled plugins and the core's default plugins


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


# --- Events: what happened in a county, told to its enabled plugins after the commit -------------
#
# Called by jifen.events once the transaction that made the change commits (never inside it, never
# when it rolls back), per county, for the plugins the county enables. Every argument is a plain
# value that stays valid after the commit. Each implementation is called on its own: one that raises
# is logged on "jifen.events" and undoes nothing. The caller waits for the implementations: slow
# work (a remote service, a long computation) belongs in a job or a queue of the plugin's own.


@hookspec
def on_application_submitted(county, application_id, user_id, reference):
    """A points application was submitted (its items wait in the departments' queues).

    Called after commit.

    :param county: the county's slug (``str``).
    :param application_id: the points application's id (``int``).
    :param user_id: the applicant's user id (``int``).
    :param reference: the application's reference number people quote (``str``, ``JS-2027-000123``).
    :returns: nothing.
    """


@hookspec
def on_item_decided(county, application_id, item_id, item_type, department, decision, reason):
    """A department decided on a declared item.

    Called after commit.

    :param county: the county's slug (``str``).
    :param application_id: the points application's id (``int``).
    :param item_id: the declared item's id (``int``).
    :param item_type: the score item type's key (``str``, ``"education"``).
    :param department: the key of the department that decided (``str``).
    :param decision: ``"verified"``, ``"rejected"`` or ``"supplement_requested"``.
    :param reason: the reviewer's reason (``str``; ``None`` for most verifications).
    :returns: nothing.
    """


@hookspec
def on_points_confirmed(county, application_id, user_id, reference, total, rule_version):
    """Every item of a points application is decided: its points are confirmed.

    Called after commit.

    :param county: the county's slug (``str``).
    :param application_id: the points application's id (``int``).
    :param user_id: the applicant's user id (``int``).
    :param reference: the application's reference number (``str``).
    :param total: the confirmed points (``decimal.Decimal``).
    :param rule_version: the number of the county's rule version they were scored under (``int``).
    :returns: nothing.
    """


@hookspec
def on_program_application_changed(county, program, round_id, program_application_id, user_id, reference,
                                   status, sub_quota):
    """An applicant applied to a program's round, or withdrew the application.

    Called after commit.

    :param county: the county's slug (``str``).
    :param program: the program's key (``str``).
    :param round_id: the round's id (``int``).
    :param program_application_id: the program application's id (``int``; applying again after a
        withdrawal keeps it).
    :param user_id: the applicant's user id (``int``).
    :param reference: the program application's reference number (``str``).
    :param status: ``"applied"`` or ``"withdrawn"``.
    :param sub_quota: the school, town, ... applied for (``str``), or ``None``.
    :returns: nothing.
    """


@hookspec
def on_run_made_current(county, program, round_id, run_id, previous_run_id, digest):
    """A ranking run became its round's current run (the one that is published).

    Called after commit.

    :param county: the county's slug (``str``).
    :param program: the program's key (``str``).
    :param round_id: the round's id (``int``).
    :param run_id: the run's id (``int``).
    :param previous_run_id: the run that was current before (``int``), or ``None``.
    :param digest: the run's digest (``str``), as published with the list.
    :returns: nothing.
    """


@hookspec
def on_list_published(county, program, round_id, publication_id, run_id, stage, digest, ends_on):
    """A round's ranking was published: the provisional list (公示) or the final list.

    Called after commit.

    :param county: the county's slug (``str``).
    :param program: the program's key (``str``).
    :param round_id: the round's id (``int``).
    :param publication_id: the publication's id (``int``).
    :param run_id: the id of the ranking run published (``int``).
    :param stage: ``"provisional"`` or ``"final"``.
    :param digest: the run's digest (``str``).
    :param ends_on: the last day of objections (``datetime.date``) of a provisional list; ``None`` for the final one.
    :returns: nothing.
    """


@hookspec
def on_offer_changed(county, program, round_id, offer_id, program_application_id, user_id, status, sub_quota,
                     deadline, replaces_offer_id):
    """An offer of a place was made, accepted, declined or expired.

    Called after commit, once per offer (making a round's offers calls it for each).

    :param county: the county's slug (``str``).
    :param program: the program's key (``str``).
    :param round_id: the round's id (``int``).
    :param offer_id: the offer's id (``int``).
    :param program_application_id: the program application the place is offered on (``int``).
    :param user_id: the applicant's user id (``int``).
    :param status: ``"offered"`` (made), ``"accepted"``, ``"declined"`` or ``"expired"``.
    :param sub_quota: the pool whose place it is (``str``), or ``None``.
    :param deadline: the last day to answer (``datetime.date``).
    :param replaces_offer_id: the offer whose place passed on to this one (``int``), or ``None``.
    :returns: nothing.
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
