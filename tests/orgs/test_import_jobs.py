"""Large imports run in a worker as a Job: stored, read with progress, written all or nothing,
followed on the job's page; safe when the task is delivered twice."""

import os
import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app as project_app
from core import jobs
from core.models import Job, JobState
from orgs import importing
from orgs.models import Member

from .test_import_members import csv_upload, xlsx_upload

MEMBERS_URL = "/orgs/import/members/"
TREE_URL = "/orgs/import/tree/"


@pytest.fixture(autouse=True)
def small_background_threshold(settings):
    # Every file of these tests goes to a worker.
    settings.IMPORT_BACKGROUND_BYTES = 100


def _roster(n, branch="幸福社区党支部", bad_every=0):
    rows = [["姓名", "出生日期", "所在党支部", "性别"]]
    for i in range(n):
        gender = "猫" if bad_every and i % bad_every == bad_every - 1 else "男"
        rows.append([f"导入党员{i}", "1980-01-02", branch, gender])
    return rows


def _start(client, rows, **data):
    response = client.post(MEMBERS_URL, {"file": csv_upload(rows), **data})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    return job


def test_a_large_file_becomes_a_job_with_the_file_stored(district, alice_client, alice):
    job = _start(alice_client, _roster(20))

    assert (job.kind, job.owner, job.state, job.progress) == (
        importing.MEMBERS,
        alice,
        JobState.QUEUED,
        0,
    )
    assert job.title == "导入党员名册：roster.csv"
    assert job.file.read().decode("utf-8-sig").startswith("姓名")
    assert not Member.objects.filter(name__startswith="导入党员").exists()
    page = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "排队等待处理" in page and 'hx-trigger="every 1s"' in page


def test_the_worker_imports_it_with_progress_and_deletes_the_file(
    district, alice_client, monkeypatch
):
    job = _start(alice_client, _roster(3500))
    stored = job.file.path
    seen = []
    original = jobs.report
    monkeypatch.setattr(jobs, "report", lambda job, p: (seen.append(p), original(job, p)))

    importing.run_import_job(job.pk)

    job.refresh_from_db()
    assert (job.state, job.progress, job.attempt) == (JobState.DONE, 100, 1)
    assert Member.objects.filter(name__startswith="导入党员").count() == 3500
    assert seen == sorted(seen) and len(set(seen)) >= 4 and seen[-1] == 80
    assert job.result["message"] == "党员名册导入完成：新增 3500，更新 0，未变 0。"
    assert not job.file and not os.path.exists(stored)
    page = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "新增 3500" in page and "every 1s" not in page
    assert 'href="/orgs/import/members/"' in page  # a way back


def test_a_file_with_bad_rows_fails_with_every_row_named_and_imports_nothing(
    district, alice_client
):
    job = _start(alice_client, _roster(30, bad_every=10))

    importing.run_import_job(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (11, "性别"),
        (21, "性别"),
        (31, "性别"),
    ]
    assert not Member.objects.filter(name__startswith="导入党员").exists()
    page = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "文件中有 3 个问题，全部未导入" in page and "无法识别的性别“猫”" in page


def test_a_file_that_is_no_roster_fails_with_the_reason(district, alice_client):
    job = _start(alice_client, [["序号", "备注"]] + [[i, "无"] for i in range(30)])
    stored = job.file.path

    importing.run_import_job(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "没有找到表头" in job.errors[0]["message"]
    assert not os.path.exists(stored)


def test_a_task_that_fails_for_good_fails_its_job_and_drops_the_file(district, alice_client):
    from orgs.tasks import import_job_task

    job = _start(alice_client, _roster(20))
    stored = job.file.path
    jobs.claim(job.pk)

    import_job_task.on_failure(RuntimeError("数据库不可用"), "task-id", (job.pk,), {}, None)

    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.errors[0]["message"].startswith("任务执行出错")
    assert not os.path.exists(stored)


def test_a_tree_file_goes_to_a_worker_too(district, client, ada):
    client.force_login(ada)
    rows = [["组织路径"]] + [[f"某某区委/西山镇党委/第{i}党支部"] for i in range(10)]
    response = client.post(TREE_URL, {"file": xlsx_upload(rows, title=None, name="tree.xlsx")})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"

    importing.run_import_job(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result["created"] == 10


def test_running_a_finished_job_again_changes_nothing(district, alice_client):
    job = _start(alice_client, _roster(20))
    importing.run_import_job(job.pk)
    Member.objects.filter(name__startswith="导入党员").delete()

    importing.run_import_job(job.pk)  # the broker delivered the task a second time

    job.refresh_from_db()
    assert (job.state, job.attempt) == (JobState.DONE, 1)
    assert not Member.objects.filter(name__startswith="导入党员").exists()


def test_only_the_latest_attempt_may_write(district, alice_client):
    job = _start(alice_client, _roster(20))
    first = jobs.claim(job.pk)
    second = jobs.claim(job.pk)  # a second delivery while the first still runs

    with pytest.raises(jobs.Superseded):
        jobs.hold(first)
    jobs.hold(second)


def test_the_job_page_is_its_owners_alone(district, alice_client, client, bob):
    job = _start(alice_client, _roster(20))
    client.force_login(bob)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_a_file_over_the_limit_is_refused_before_it_is_stored(district, alice_client, settings):
    settings.IMPORT_MAX_BYTES = 500
    response = alice_client.post(MEMBERS_URL, {"file": csv_upload(_roster(100))})

    assert response.status_code == 200
    assert "文件超过" in response.content.decode()
    assert not Job.objects.exists()


# --- With a real worker ---------------------------------------------------------------------------


@pytest.fixture
def worker(tmp_path):
    """A worker on the configured broker (Redis in CI), consuming the jobs queue, run by an app
    made current for the test, so the tasks the view sends go through it; a developer's running
    worker never sees them (on the embedded broker the test uses a file of its own)."""
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("sqla+sqlite"):
        broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    app = Celery("ccz-jobs-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker, task_always_eager=False)
    app.set_current()
    try:
        with start_worker(
            app, pool="solo", queues=["jobs"], perform_ping_check=False, shutdown_timeout=30
        ):
            yield app
    finally:
        project_app.set_current()
        app.close()


def _wait(job, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"the job is still {job.state} at {job.progress}%")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_import_end_to_end(district, alice_client, worker):
    job = _wait(_start(alice_client, _roster(2500)))

    assert (job.state, job.progress) == (JobState.DONE, 100)
    assert Member.objects.filter(name__startswith="导入党员").count() == 2500


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refuses_a_file_with_bad_rows(district, alice_client, worker):
    job = _wait(_start(alice_client, _roster(50, bad_every=25)))

    assert job.state == JobState.FAILED and len(job.errors) == 2
    assert not Member.objects.filter(name__startswith="导入党员").exists()
