from celery import shared_task

from core.tasks import JOB_TASK_OPTIONS

from . import importing


@shared_task(**JOB_TASK_OPTIONS)
def import_job_task(job_id: int) -> None:
    """Imports the roster or tree file of the job (a large one: small files import at once)."""
    importing.run_import_job(job_id)
