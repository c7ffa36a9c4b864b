"""The web layer: blueprints per area, and the request plumbing they share."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from jifen.web import admin, admin_audit, admin_programs, admin_tokens, applicant, auth, calculator, exchange, i18n, platform, portal
    from jifen.web import platform_console, programs, review
    from jifen.web import admin_statistics
    from jifen.web import admin_surveys, resident_surveys
    from jifen.web import admin_equity
    from jifen.web import program_scores

    i18n.init_app(app)
    app.register_blueprint(platform.bp)
    app.register_blueprint(platform_console.bp, url_prefix="/platform")
    app.register_blueprint(portal.bp, url_prefix="/<tenant>")
    app.register_blueprint(auth.bp, url_prefix="/<tenant>")
    app.register_blueprint(admin.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(admin_audit.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(admin_programs.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(admin_statistics.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(admin_surveys.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(resident_surveys.bp, url_prefix="/<tenant>/me")
    app.register_blueprint(admin_equity.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(program_scores.bp, url_prefix="/<tenant>/admin")
    app.register_blueprint(applicant.bp, url_prefix="/<tenant>/me")
    app.register_blueprint(review.bp, url_prefix="/<tenant>/review")
    from jifen.web import committee

    app.register_blueprint(committee.bp, url_prefix="/<tenant>/committee")
    app.register_blueprint(calculator.bp, url_prefix="/<tenant>")
    app.register_blueprint(programs.bp, url_prefix="/<tenant>")
    app.register_blueprint(exchange.bp, url_prefix="/<tenant>")
    app.register_blueprint(admin_tokens.bp, url_prefix="/<tenant>/admin")
    from jifen.web import admin_tie_breaks

    app.register_blueprint(admin_tie_breaks.bp, url_prefix="/<tenant>/admin")
    from jifen.web import findings

    app.register_blueprint(findings.bp, url_prefix="/<tenant>")  # the fraud register (jifen.points.fraud)
    from jifen.web import complaint_answers, complaints

    app.register_blueprint(complaints.bp, url_prefix="/<tenant>")  # questions and complaints (docs/complaints.md)
    app.register_blueprint(complaint_answers.bp, url_prefix="/<tenant>/review")
    from jifen.web import plugin_pages

    app.register_blueprint(plugin_pages.bp, url_prefix="/<tenant>")  # a plugin's pages (register_routes)
