"""Background and timed work: jobs with the county bound, run by RQ workers (or in-process).

* :func:`enqueue` records a :class:`jifen.models.Job` in the caller's transaction and hands it to the
  backend once that transaction commits (nothing is started for work that was rolled back);
* the backend (``JIFEN_JOBS``): ``rq`` (workers started with ``jifen worker``), ``thread`` (the
  embedded default: a thread of the web process), ``inline`` (tests: right after the commit);
* :mod:`jifen.jobs.work` runs a job: binds its county, calls its function in one transaction,
  records progress as it goes and the result or the error at the end. A failed job leaves nothing
  of its work behind;
* :mod:`jifen.jobs.timed`: timed work (offers past their deadline, reminders, retries) runs every ``JIFEN_TICK_SECONDS``
  from RQ's cron scheduler (``jifen scheduler``) or, embedded, from a timer thread.
"""

from jifen.jobs.kinds import KINDS, job_label
from jifen.jobs.queue import enqueue, latest_job

__all__ = ["KINDS", "enqueue", "job_label", "latest_job"]
