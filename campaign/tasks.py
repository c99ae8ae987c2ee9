import logging
from smtplib import SMTPException

from celery import shared_task

from . import notifications

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=6,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_pending_task() -> int:
    """Mails the notifications not mailed yet (campaign.notifications.send_pending); a mail
    server that fails is tried again later, with growing pauses."""
    sent = notifications.send_pending()
    logger.info("notification email: %s sent", sent)
    return sent
