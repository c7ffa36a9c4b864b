"""Events: telling a county's plugins what happened, once the change is committed.

The domain calls :func:`announce` in the transaction that makes a change (a points application
submitted, an offer accepted, ...). Nothing is called then: the call is kept in ``session.info``
with the county's hook caller (the County context's, so only the plugins the county enables hear
it), and made when the transaction commits. A rollback forgets it, and so does the rollback of a
savepoint it was announced in.

Each implementation is called on its own, with the arguments it asks for (pluggy's rule: a subset
of the hook's). One that raises is logged on ``jifen.events`` with the hook and the plugin's name;
the change stays committed and the other implementations are still called. In an application
context, ``get_session()`` gives the implementations a session of their own: what an implementation
writes there is committed when it returns and rolled back when it raises.

The hooks are the ``on_*`` hookspecs of :mod:`jifen.plugin.hookspecs` (docs/plugin_hooks.md); their
arguments are plain values (ids, keys, statuses, reference numbers, ``Decimal`` points, the county's
slug), never ORM objects.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from jifen.county.context import current_county
from jifen.county.tenancy import TenantRef, bind_tenant, current_tenant
from jifen.db.session import session_of_its_own
from jifen.plugin import hookspecs

log = logging.getLogger("jifen.events")

PENDING_KEY = "jifen.events.pending"
LISTENING_KEY = "jifen.events.listening"


@dataclass(frozen=True)
class Announced:
    """One event waiting for its transaction to commit."""

    hook_name: str
    arguments: dict
    caller: object  # the county's hook caller of ``hook_name``, resolved when it was announced
    tenant: TenantRef
    savepoint: object | None  # the innermost savepoint when it was announced


def event_hooks() -> tuple[str, ...]:
    """The names of the event hooks (``on_*``)."""
    return tuple(sorted(name for name in vars(hookspecs) if name.startswith("on_")
                        and hasattr(getattr(hookspecs, name), "jifen_spec")))


def announce(session: Session, hook_name: str, **arguments) -> None:
    """Call ``hook_name`` of the bound county's enabled plugins once ``session`` commits.

    ``county`` (the county's slug) is added to ``arguments``. Announced and rolled back: never called.
    """
    if hook_name not in event_hooks():
        raise ValueError(f"{hook_name!r} is not an event hook")
    county = current_county(session)
    arguments.setdefault("county", county.tenant.slug)
    pending: list = session.info.setdefault(PENDING_KEY, [])
    pending.append(Announced(hook_name, arguments, getattr(county.hooks, hook_name), county.tenant,
                             session.get_nested_transaction()))
    _listen(session)


def pending_events(session: Session) -> list[tuple[str, dict]]:
    """What ``session`` will announce when it commits: ``(hook name, arguments)`` (tests, diagnostics)."""
    return [(call.hook_name, dict(call.arguments)) for call in session.info.get(PENDING_KEY, [])]


def _listen(session: Session) -> None:
    if session.info.get(LISTENING_KEY):
        return
    session.info[LISTENING_KEY] = True
    event.listen(session, "after_commit", _call_pending)
    event.listen(session, "after_soft_rollback", _forget_rolled_back)
    event.listen(session, "after_transaction_end", _forget_at_end)


def _call_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    pending = [call for call in session.info.pop(PENDING_KEY, []) if call.caller.get_hookimpls()]
    if not pending:  # no enabled plugin listens: no session is opened
        return
    with session_of_its_own() if has_app_context() else nullcontext() as own:
        for call in pending:
            bound = current_tenant()
            with nullcontext() if bound is not None and bound.id == call.tenant.id else bind_tenant(call.tenant):
                _call(call, own)


def _call(call: Announced, own: Session | None) -> None:
    # pluggy's order (last registered first, tryfirst/trylast), but each implementation on its own
    for impl in reversed(call.caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        try:
            impl.function(*[call.arguments[name] for name in impl.argnames])
            if own is not None:
                own.commit()
        except Exception:  # noqa: BLE001 - a plugin's failure never undoes the change nor stops the others
            if own is not None:
                own.rollback()
            log.exception("%s of plugin %s failed in county %s (the change stays committed)",
                          call.hook_name, impl.plugin_name, call.arguments.get("county"))


def _forget_rolled_back(session: Session, previous_transaction) -> None:
    """A rollback forgets what was announced in the transaction (or savepoint) rolled back."""
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        return
    if previous_transaction.nested:
        session.info[PENDING_KEY] = [call for call in pending
                                     if not _inside(call.savepoint, previous_transaction)]


def _inside(savepoint, transaction) -> bool:
    while savepoint is not None:
        if savepoint is transaction:
            return True
        savepoint = savepoint.parent
    return False


def _forget_at_end(session: Session, transaction) -> None:
    """The outermost transaction ended without a commit (a close): nothing of it is announced later."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(PENDING_KEY, None)
