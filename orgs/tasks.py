from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_sessions_task():
    call_command("clearsessions")


@shared_task
def ping_task(value: str = "pong") -> str:
    """Answers its argument: proves that a worker consumes what the broker carries."""
    return value
