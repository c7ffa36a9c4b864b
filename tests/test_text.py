"""Translated text (jifen.text): values put into a message are escaped on the page like any text."""

from flask import render_template_string

from jifen.text import lazy_gettext as _l

NAME = '<img src=x onerror="alert(1)">一期'


def test_a_value_in_a_lazy_message_is_escaped_in_a_template(app):
    with app.test_request_context("/"):
        html = render_template_string("<p>{{ message }}</p>", message=_l("This window overlaps round %(name)s.",
                                                                          name=NAME))
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;一期" in html


def test_the_cores_messages_escape_what_is_put_into_them(app, county):
    """The overlap message of round creation names the other round: the name is text on any page."""
    from jifen.programs import rounds as programs
    from jifen.points.applications import ApplicationError

    with county("jiashan") as session:
        program = programs.programs(session)["hukou_transfer"]
        programs.create_round(session, program, {"name": NAME, "opens_on": "2027-03-01", "closes_on": "2027-03-31",
                                                 "quota": 1}, actor="test")
        try:
            programs.create_round(session, program, {"name": "二期", "opens_on": "2027-03-15",
                                                     "closes_on": "2027-04-15", "quota": 1}, actor="test")
        except ApplicationError as exc:
            message = exc.message
        session.rollback()
    with app.test_request_context("/"):
        html = render_template_string("<p>{{ message }}</p>", message=message)
    assert "<img" not in html and "&lt;img src=x" in html


def test_no_module_uses_the_lazy_strings_that_pass_as_html():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [str(path.relative_to(root)) for folder in ("core", "plugins", "examples")
                 for path in (root / folder).rglob("*.py")
                 if "from flask_babel import lazy_gettext" in path.read_text(encoding="utf-8")]
    assert offenders == []
