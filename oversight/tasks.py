import logging

from celery import shared_task

from core.tasks import JOB_TASK_OPTIONS

from . import services, sweeps

logger = logging.getLogger(__name__)

# Idempotent (a notification is written once, by the database's constraint): a task the worker
# lost is run again, never doubled.
SWEEP_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**SWEEP_OPTIONS)
def deadline_sweep_task() -> int:
    """Reminds the secretaries with work outstanding before a phase's deadline."""
    return sweeps.run("deadlines").created


@shared_task(**SWEEP_OPTIONS)
def quarterly_sweep_task() -> int:
    """Reminds the levels above of reviews owed and evaluations not held below them."""
    return sweeps.run("quarterly").created


@shared_task(**SWEEP_OPTIONS)
def overdue_sweep_task() -> int:
    """Tells owners of overdue pledges and rectifications, and the level above after N days."""
    return sweeps.run("overdue").created


@shared_task(**JOB_TASK_OPTIONS)
def report_job_task(job_id: int) -> None:
    """Writes a campaign report (oversight.report)."""
    services.run_report_job(job_id)
