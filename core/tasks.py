"""Project-wide periodic tasks, and the pattern every app's tasks follow.

A task takes ids or dates, calls one service and holds no logic of its own; it is enqueued with
`transaction.on_commit` (core.jobs.start_job does it for jobs); it is safe to run twice, because a
broker may deliver it twice (Redis, after a worker died) or never (the embedded broker, after a
crash: see core/jobs.py); it retries with backoff on a database that is briefly away; it logs
what it did with counts. Long jobs go to the "jobs" queue: settings.CELERY_TASK_ROUTES sends every
task named `*_job_task` there, served by workers of their own, so a large import never holds up
the reminders on the default queue.
"""

import datetime
import logging
import sqlite3

from celery import Task, shared_task
from django.conf import settings
from django.core.management import call_command

from . import backup, exports, jobs, rollups

logger = logging.getLogger(__name__)


class JobTask(Task):
    """A task whose first argument is a Job's id: when it fails for good (an error that is not
    retried, or its retries spent), the job fails too, so its page stops waiting."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if args:
            jobs.fail(args[0])


# The options of every job task: the base above, retries with backoff while the database is away.
JOB_TASK_OPTIONS = {
    "base": JobTask,
    "autoretry_for": jobs.RETRYABLE,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 6,
}
# Spent messages of the embedded broker older than this are deleted.
BROKER_MESSAGES_KEPT = datetime.timedelta(days=1)


@shared_task
def clear_sessions_task():
    call_command("clearsessions")


@shared_task
def purge_broker_messages_task() -> int:
    """Deletes the embedded broker's delivered messages: kombu's SQLAlchemy transport marks a
    message invisible when a worker takes it and keeps it forever. Redis needs nothing."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("sqla+sqlite:///"):
        return 0
    cutoff = datetime.datetime.now() - BROKER_MESSAGES_KEPT  # the transport stores local time
    with sqlite3.connect(url.removeprefix("sqla+sqlite:///"), timeout=20) as broker:
        try:
            deleted = broker.execute(
                "DELETE FROM kombu_message WHERE visible = 0 AND timestamp < ?",
                [cutoff.isoformat(sep=" ")],
            ).rowcount
        except sqlite3.OperationalError:
            deleted = 0  # no message table yet: nothing was ever sent
    logger.info("purged %s delivered messages from the embedded broker", deleted)
    return deleted


@shared_task
def verify_rollups_task() -> int:
    """Recounts every rollup and logs each counter row that drifted (a write the triggers missed
    would be a bug); repairing stays a person's decision: `manage.py rollups --fix`."""
    drifts = rollups.verify_all()
    logger.info("verified the rollups: %s drifted rows", len(drifts))
    return len(drifts)


@shared_task
def backup_task() -> str:
    """Backs up the embedded SQLite database and the uploaded files, then keeps the newest
    BACKUP_KEEP archives. PostgreSQL is backed up by its own tools (README, "Backup and
    restore"): there it only says so in the log."""
    try:
        archive = backup.make_backup()
    except backup.UnsupportedDatabase:
        logger.info("backup skipped: PostgreSQL is backed up with pg_dump (README)")
        return ""
    pruned = backup.prune_backups(settings.BACKUP_KEEP)
    logger.info("backed up to %s; deleted %s older backup(s)", archive, len(pruned))
    return str(archive)


@shared_task
def ping_task(value: str = "pong") -> str:
    """Answers its argument: proves that a worker consumes what the broker carries."""
    return value


@shared_task(**JOB_TASK_OPTIONS)
def export_job_task(job_id: int) -> None:
    """Writes the file of a long export (core.exports)."""
    exports.run_export_job(job_id)


@shared_task
def remove_expired_exports_task() -> int:
    """Deletes the files of exports past EXPORT_KEEP_HOURS."""
    removed = exports.remove_expired()
    logger.info("removed %s expired export files", removed)
    return removed
