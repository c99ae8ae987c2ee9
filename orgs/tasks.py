import datetime
import logging

from celery import shared_task
from django.utils import timezone

from core.tasks import JOB_TASK_OPTIONS

from . import importing, retention

logger = logging.getLogger(__name__)


@shared_task(**JOB_TASK_OPTIONS)
def import_job_task(job_id: int) -> None:
    """Imports the roster or tree file of the job (a large one: small files import at once)."""
    importing.run_import_job(job_id)


@shared_task
def erase_departed_personal_data_task(today: str | None = None) -> int:
    """Erases the personal data of members who left longer ago than the retention period."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    erased = retention.erase_departed_personal_data(day)
    logger.info("erased the personal data of %s departed member(s)", erased)
    return erased
