"""Languages: the explicit choice (``?lang=en``), kept in the session; before any choice, the browser's
Accept-Language (``en-US`` reads English); Chinese (zh_Hans_CN) when the browser names neither."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, get_locale
from jifen.text import lazy_gettext as _l

LOCALES = {"zh_Hans_CN": "中文", "en": "English"}
DEFAULT_LOCALE = "zh_Hans_CN"

babel = Babel()


# The primary subtag of an Accept-Language entry -> our locale (zh-TW, zh-HK: the Chinese we have).
_BROWSER_LANGUAGES = {"zh": "zh_Hans_CN", "en": "en"}


def _from_browser() -> str | None:
    """The first language of the browser's Accept-Language (by quality) that the portal speaks."""
    for value, quality in request.accept_languages:
        primary = value.replace("_", "-").split("-", 1)[0].strip().lower()
        if quality > 0 and primary in _BROWSER_LANGUAGES:
            return _BROWSER_LANGUAGES[primary]
    return None


def _select_locale() -> str:
    if not has_request_context():
        return "en"  # the command line speaks English
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    return _from_browser() or DEFAULT_LOCALE


def _remember_choice():
    lang = request.args.get("lang")
    if lang in LOCALES:
        session["lang"] = lang


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def html_lang() -> str:
    return "zh-CN" if current_locale().startswith("zh") else "en"


STATUS_LABELS = {
    "none": _l("Not started"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted, in review"),
    "supplement_requested": _l("Supplement requested"),
    "supplemented": _l("Supplement sent"),
    "confirmed": _l("Points confirmed"),
    "recheck_requested": _l("Re-check requested"),
    "declared": _l("Declared"),
    "pending": _l("Waiting for the department"),
    "verified": _l("Verified"),
    "rejected": _l("Not accepted"),
    "item_verified": _l("Item verified"),
    "item_rejected": _l("Item not accepted"),
    "item_supplement_requested": _l("Supplement requested for an item"),
    "allocated": _l("Allocated"),
    "waitlisted": _l("On the waiting list"),
    "served_by_spouse": _l("Served by the spouse's application"),
    "below_threshold": _l("Below the threshold"),
    "no_program_score": _l("Not ranked: no score recorded"),
    "below_pass_mark": _l("Not ranked: below the pass mark"),
    "offer_offered": _l("A place is offered to you"),
    "offer_accepted": _l("You accepted the place"),
    "offer_declined": _l("You declined the place"),
    "offer_expired": _l("The offer expired"),
}
# What a message is about (Message.kind), in words: the messages page shows it above each message.
KIND_LABELS = {
    "application.submitted": _l("Application submitted"),
    "application.supplement": _l("Supplement requested"),
    "item.rejected": _l("Item not accepted"),
    "points.confirmed": _l("Points confirmed"),
    "offer.made": _l("A place is offered to you"),
    "offer.expired": _l("The offer expired"),
    "objection.decided": _l("Objection decided"),
    "nomination.decided": _l("The committee decided on your nomination"),
    "review.due": _l("Reviews falling due"),
    "publication.period_ended": _l("Publication period ended"),
}
NOTE_LABELS = {
    "not_highest": _l("only the highest counts"),
    "capped": _l("capped"),
    "one_of": _l("only one of these items counts"),
    "not_offered": _l("not scored in this county"),
    "unavailable": _l("unavailable for now: the county is updating its rules"),
}


def init_app(app: Flask) -> None:
    from jifen.web import words

    babel.init_app(app, locale_selector=_select_locale)
    app.jinja_env.globals["words"] = words  # keys in words: plugins, departments, scopes, quota modes...
    app.before_request(_remember_choice)

    @app.after_request
    def _vary_on_language(response):
        response.vary.add("Accept-Language")  # before a choice, the language follows the browser
        return response

    @app.context_processor
    def _i18n_vars():
        locale = current_locale()
        return {
            "locales": LOCALES,
            "current_locale": locale,
            "html_lang": html_lang(),
            "tenant": g.get("tenant"),
            "tenant_name": (
                (g.tenant.name_zh if locale.startswith("zh") else g.tenant.name_en) if g.get("tenant") else None
            ),
            "localized": lambda obj: obj.name(locale.split("_")[0]),
            "localized_summary": lambda obj: obj.summary(locale.split("_")[0]),
            "status_label": lambda status: STATUS_LABELS.get(status, status),
            "note_label": lambda note: NOTE_LABELS.get(note, note),
            "kind_label": lambda kind: KIND_LABELS.get(kind) if kind else None,
        }
