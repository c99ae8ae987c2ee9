"""The Celery wiring: a task sent through the configured broker is run by a real worker.

Locally the broker is the server-less SQLite one; in CI (REQUIRE_SERVICES=1) it is Redis.
"""

from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from core.tasks import ping_task

from .conftest import require_service


def test_the_project_app_reads_the_configured_broker():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    app.loader.import_default_modules()
    assert ping_task.name in app.tasks


def test_a_worker_runs_a_task_sent_through_the_broker(worker_app):
    worker_app.task(name=ping_task.name)(ping_task.run)
    with start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        result = worker_app.tasks[ping_task.name].delay("来自测试的消息")
        assert result.get(timeout=60) == "来自测试的消息"


def test_the_broker_is_redis_when_services_are_required():
    broker = settings.CELERY_BROKER_URL
    require_service("Redis broker", broker.startswith("redis://"), f"CELERY_BROKER_URL={broker}")
    import redis

    assert redis.Redis.from_url(broker).ping()


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
