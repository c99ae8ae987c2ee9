"""Jobs: work a Celery worker does on a user's behalf, followed on a page (see core.models.Job).

The pattern (docs/ARCHITECTURE.md, "Background work"): a service creates the Job and enqueues
its task with `start_job`, which waits for the transaction to commit, so the worker never looks
for a job that is not there yet. The task takes the job's id and calls a service that hands its
work to `run_job`. run_job claims the job for a new attempt, lets the work report progress (each
report commits at once, outside any long transaction), and finishes the job with a result or a
list of errors. The work checks `hold` inside the transaction that writes its result, so of two
deliveries of the same task only the latest attempt writes.

What the brokers guarantee: Redis redelivers a task whose worker died before acknowledging it
(acks_late, after the visibility timeout); the embedded SQLAlchemy transport marks a message taken
when a worker fetches it and never redelivers it. So a task may run twice, or not at all after a
crash: work must be safe to run again from the start (imports are idempotent), and a job left
running by a dead worker on the embedded broker stays so; its user uploads the file again. A
task that fails for good (its retries spent) fails its job (core.tasks.JobTask). A finished job's
upload is deleted: it may hold members' personal data.
"""

import logging
from collections.abc import Callable

from django.core.files.base import File
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import Job, JobState

logger = logging.getLogger(__name__)

ACTIVE = (JobState.QUEUED, JobState.RUNNING)
# A job keeps this many of its errors (a page shows fewer); result["errors_total"] counts them all.
ERRORS_KEPT = 1000
# What a job's page says when its work broke (the log has the traceback).
BROKEN = gettext_lazy("任务执行出错，请稍后重试或联系管理员。")
# Errors after which the task is retried with backoff (autoretry_for of the job tasks).
RETRYABLE = (OperationalError, InterfaceError)

# Sent once when a job ends, done or failed (`job=`): apps above core listen, core knows none.
job_finished = Signal()


class Superseded(Exception):
    """A newer attempt of the job has started: this one must not write."""


def start_job(
    *, kind: str, title: str, owner, task, scope: str = "", params=None, upload=None
) -> Job:
    """Creates a queued job (storing the upload, if any) and sends `task` its id on commit."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, title=title[:200], owner=owner, scope=scope[:200], params=params or {}
        )
        if upload is not None:
            job.file.save(upload.name.rsplit("/", 1)[-1] or "upload", File(upload), save=True)
        transaction.on_commit(lambda: task.delay(job.pk))
    return job


def claim(job_id: int) -> Job | None:
    """Starts a new attempt of a queued or running job; None when it is finished or gone."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state__in=ACTIVE).update(
        state=JobState.RUNNING,
        attempt=F("attempt") + 1,
        started_at=Coalesce(F("started_at"), now),
    )
    return Job.objects.select_related("owner").get(pk=job_id) if claimed else None


def report(job: Job, percent: int) -> None:
    """Records the job's progress (0–100) at once, so a page polling it sees it move."""
    percent = max(0, min(100, int(percent)))
    if percent != job.progress:
        Job.objects.filter(pk=job.pk, attempt=job.attempt).update(progress=percent)
        job.progress = percent


def hold(job: Job) -> None:
    """Inside the transaction that writes the job's work: locks the job and raises Superseded
    unless this attempt is still the latest."""
    current = Job.objects.select_for_update().filter(pk=job.pk).values_list("attempt", "state")
    if tuple(current.first() or ()) != (job.attempt, JobState.RUNNING):
        raise Superseded


def run_job(job_id: int, work: Callable[[Job], tuple[dict, list]]) -> Job | None:
    """Claims the job, runs work(job) → (result, errors) and finishes it: done, or failed with
    the errors. Running it again for a finished job does nothing."""
    job = claim(job_id)
    if job is None:
        logger.info("job %s: finished already or gone, nothing to do", job_id)
        return None
    try:
        result, errors = work(job)
    except Superseded:
        logger.info("job %s: attempt %s superseded by a newer one", job.pk, job.attempt)
        return None
    except RETRYABLE:
        raise  # the database is briefly unreachable: the task retries, the job stays running
    except Exception:
        # Broken work: the page must not wait forever on this attempt.
        logger.exception("job %s (%s) attempt %s broke", job.pk, job.kind, job.attempt)
        _finish(job, JobState.FAILED, {}, [{"message": str(BROKEN)}])
        raise
    state = JobState.FAILED if errors else JobState.DONE
    _finish(job, state, result, errors)
    logger.info(
        "job %s (%s) %s: %s, %s errors", job.pk, job.kind, state, result or "-", len(errors)
    )
    return job


def fail(job_id: int) -> None:
    """Fails the job as broken, whatever attempt is running, unless it is finished already."""
    job = Job.objects.filter(pk=job_id, state__in=ACTIVE).first()
    if job is not None:
        _finish(job, JobState.FAILED, {}, [{"message": str(BROKEN)}], any_attempt=True)


def _finish(job: Job, state: str, result: dict, errors: list, any_attempt=False) -> None:
    if len(errors) > ERRORS_KEPT:
        result = {**result, "errors_total": len(errors)}
        errors = errors[:ERRORS_KEPT]
    done = {"state": state, "result": result, "errors": errors, "finished_at": timezone.now()}
    if state == JobState.DONE:
        done["progress"] = 100
    this = Job.objects.filter(pk=job.pk, state__in=ACTIVE)
    if not any_attempt:
        this = this.filter(attempt=job.attempt)
    if this.update(**done, file=""):
        for name, value in done.items():
            setattr(job, name, value)
        # Higher apps hear of it (campaign tells the owner in their inbox); sent once, by the
        # attempt whose update finished the job.
        job_finished.send(sender=Job, job=job)
        if job.file:
            job.file.storage.delete(job.file.name)
            job.file = None
