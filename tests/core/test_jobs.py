"""The job pattern's edges, and the purge of the embedded broker's spent messages."""

import sqlite3

import pytest
from kombu import Connection

from core import jobs
from core.models import Job, JobState
from core.tasks import purge_broker_messages_task

from ..factories import UserFactory


@pytest.fixture
def job(db):
    return Job.objects.create(kind="test", title="测试任务", owner=UserFactory())


def test_broken_work_fails_the_job_instead_of_leaving_it_running(job):
    with pytest.raises(ZeroDivisionError):
        jobs.run_job(job.pk, lambda job: (1 / 0, []))

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.errors == [{"message": "任务执行出错，请稍后重试或联系管理员。"}]


def test_work_with_errors_fails_the_job_with_them(job):
    jobs.run_job(job.pk, lambda job: ({"message": "未完成"}, [{"row": 2, "message": "不对"}]))

    job.refresh_from_db()
    assert (job.state, job.result, job.errors) == (
        JobState.FAILED,
        {"message": "未完成"},
        [{"row": 2, "message": "不对"}],
    )
    assert job.finished_at is not None


def test_progress_is_written_at_once_and_clamped(job):
    claimed = jobs.claim(job.pk)
    jobs.report(claimed, 42)
    assert Job.objects.get(pk=job.pk).progress == 42
    jobs.report(claimed, 140)
    assert Job.objects.get(pk=job.pk).progress == 100


def test_the_purge_deletes_only_delivered_messages_older_than_a_day(settings, tmp_path):
    path = tmp_path / "broker.sqlite3"
    settings.CELERY_BROKER_URL = f"sqla+sqlite:///{path}"
    with Connection(settings.CELERY_BROKER_URL) as broker:
        queue = broker.SimpleQueue("purge-test")
        for text in ("taken long ago", "taken just now", "waiting"):
            queue.put(text)
        queue.get(timeout=5).ack()
        queue.get(timeout=5).ack()
        queue.close()
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE kombu_message SET timestamp = datetime('now', '-3 days') "
            "WHERE id = (SELECT min(id) FROM kombu_message)"
        )

    assert purge_broker_messages_task() == 1

    with sqlite3.connect(path) as db:
        left = db.execute("SELECT visible FROM kombu_message ORDER BY id").fetchall()
    assert left == [(0,), (1,)]  # the one taken just now, and the one still waiting


def test_the_purge_leaves_redis_alone(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert purge_broker_messages_task() == 0


def test_a_job_keeps_a_bounded_number_of_errors_and_counts_them_all(job, client):
    errors = [{"row": n, "message": "不对"} for n in range(jobs.ERRORS_KEPT + 700)]
    jobs.run_job(job.pk, lambda job: ({"message": "未完成"}, errors))

    job.refresh_from_db()
    assert len(job.errors) == jobs.ERRORS_KEPT
    assert job.result["errors_total"] == jobs.ERRORS_KEPT + 700
    client.force_login(job.owner)
    assert "另有 1200 个问题未列出" in client.get(job.get_absolute_url()).content.decode()
