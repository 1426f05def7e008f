"""Scheduled work with APScheduler: the jobs come from the domains (hook "scheduled_jobs").

In production ONE process runs them (`flask --app app scheduler`); web workers never do, since an
APScheduler job store cannot be shared between processes. In development `make run` may start them in
a thread of the single server process. Every job is idempotent, so a second scheduler, a restart or a
crash half-way never sends anything twice nor skips anyone.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from club.core import hooks
from club.extensions import db

log = logging.getLogger(__name__)


def _run_in_context(app, job_id: str, function) -> None:
    with app.app_context():
        try:
            result = function()
            db.session.commit()
            log.info("job %s done: %s", job_id, result)
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job_id)
            raise
        finally:
            db.session.remove()


def jobs(app) -> list[tuple[str, object, dict]]:
    with app.app_context():
        return [job for provided in hooks.collect("scheduled_jobs") for job in provided]


def build(app, *, blocking: bool):
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="Europe/Rome")
    for job_id, function, trigger in jobs(app):
        scheduler.add_job(
            _run_in_context,
            args=(app, job_id, function),
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
            **trigger,
        )
    return scheduler


def run_once(app) -> dict[str, object]:
    """Run every job now, one after the other (the `scheduler --once` command and the tests)."""
    results = {}
    for job_id, function, _trigger in jobs(app):
        with app.app_context():
            results[job_id] = function()
            db.session.commit()
    return results
