"""A county administrator chooses the county's own tie-break chain of a program (jifen.ranking.tie_breaks):
up to four ordered steps among those the program allows, each in words; rounds already frozen keep theirs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jifen.county.context import current_county
from jifen.db.session import get_session
from jifen.http.security import roles_required
from jifen.http.theme import render
from jifen.programs import rounds as programs
from jifen.ranking import tie_breaks
from jifen.web.forms import EmptyForm
from jifen.web.tie_break_words import chain_text, key_label

bp = Blueprint("admin_tie_breaks", __name__)
admins = roles_required("admin")
MOST_READ = 20  # steps read from a form (more than the slots: refused with a message, not ignored)


def _program(key: str):
    program = programs.programs(get_session()).get(key)
    if program is None:
        abort(404)
    return program


@bp.route("/programs/<key>/tie-breaks", methods=["GET", "POST"])
@admins
def edit(key: str):
    session = get_session()
    program = _program(key)
    item_types = current_county(session).item_types
    form = EmptyForm()
    errors: dict = {}
    chosen = list(tie_breaks.chain_of(session, program))
    if request.method == "POST":
        entered = [request.form.get(f"tb{slot}", "") for slot in range(1, MOST_READ + 1)]
        while entered and not entered[-1].strip():
            entered.pop()
        if not form.validate_on_submit():
            errors = {"form": [_("This form has expired. Please send it again.")]}
        else:
            try:
                changed = tie_breaks.change(session, program, item_types, entered, actor=current_user.actor)
            except tie_breaks.ChainError as exc:
                session.rollback()
                errors = exc.messages
            else:
                session.commit()
                flash(_("The tie-break chain is saved: rounds whose rules freeze from now on use it.") if changed
                      else _("Nothing changed: this is the chain already."), "success")
                return redirect(url_for("admin_tie_breaks.edit", key=program.key))
        chosen = [key.strip() for key in entered]
    allowed = tie_breaks.choices(program, item_types)
    options = [(choice, key_label(choice, program)) for choice in allowed]
    return render("admin/tie_breaks.html", program=program, form=form, errors=errors, options=options,
                  chosen=chosen, slots=tie_breaks.FIELDS,
                  current=chain_text(tie_breaks.chain_of(session, program), program),
                  default=chain_text(program.tie_breaks, program),
                  own=tie_breaks.county_chain(session, program) is not None), 400 if errors else 200
