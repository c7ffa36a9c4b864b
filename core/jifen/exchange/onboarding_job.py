"""The onboarding import as a job (docs/onboarding.md): a county's whole file is checked and written
by a worker, never inside the administrator's request.

The upload is kept (:mod:`jifen.exchange.kept_uploads`) and named in the job's parameters by its token
and SHA-256; the job checks the file (``dry_run``) or imports it, and keeps the report as its result:
the counts, each registrant's line, and the bad lines in both languages (the job's reader may read
either).
"""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy.orm import Session

from jifen.exchange import kept_uploads
from jifen.exchange.onboarding import OnboardingReport, run_import
from jifen.text import lazy_gettext as _l

LANGUAGES = ("zh_Hans_CN", "en")
REGISTRANTS_SHOWN = 2000  # the result lists the first registrants; the counts are exact


class FileGone(Exception):
    def __init__(self) -> None:
        super().__init__("kept file gone")
        self.message = _l("The checked file is no longer kept: upload it again.")


def run(session: Session, work) -> dict:
    """Check (``dry_run``) or import the kept file named by the job's parameters."""
    params = work.params
    data = kept_uploads.load(params["token"], params["sha256"], actor=work.actor)
    if data is None:
        raise FileGone()
    session.rollback()  # run_import owns its transaction: nothing of the claim is pending
    work.progress("check" if params["dry_run"] else "import")
    report = run_import(session, [(params["file_name"], data)], actor=work.actor, dry_run=bool(params["dry_run"]))
    if report.written:
        kept_uploads.discard(params["token"], actor=work.actor)
    return result_of(report, params)


def result_of(report: OnboardingReport, params: dict) -> dict:
    """The report as the job keeps it: JSON, its words in every language."""
    problems, file_error = {}, {}
    for language in LANGUAGES:
        with force_locale(language):
            problems[language] = report.problems()
            file_error[language] = None if report.file_error is None else str(report.file_error)
    return {
        "file_name": report.file_name, "sha256": report.sha256, "dry_run": report.dry_run,
        "written": report.written, "blocked": report.blocked, "problems": problems, "file_error": file_error,
        "totals": report.totals,
        "registrants": [{"line": r.line, "name": r.name, "id_number": r.id_number,
                         "total": None if r.total is None else str(r.total), "family": r.family,
                         "applications": list(r.applications)} for r in report.registrants[:REGISTRANTS_SHOWN]],
        # What "apply" needs after a clean check: the same kept file.
        "token": params["token"] if report.dry_run and not report.blocked else "",
    }
